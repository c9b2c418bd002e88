package io.pgpilot.keeper.member;

import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.LocalPostgres;
import java.time.Duration;
import java.util.List;

/**
 * PostgreSQL as the heartbeat and the watchdogs see it, without a process: running in a role, or stopped by
 * a fence, which it records with the age of the member's last renewal at that moment.
 */
final class StandInPostgres implements LocalPostgres {
    private volatile PostgresRole role = PostgresRole.NONE;
    private volatile Member member;
    /** How old the last renewal was when the fence stopped it; -1 while it was not fenced. */
    volatile long stoppedAtRenewalAgeMs = -1;
    /** When the fence stopped it, in {@link System#nanoTime}. */
    volatile long stoppedAtNanos;
    /** Where the process fence stands, in {@link System#nanoTime}; 0 while disarmed. */
    volatile long fenceDeadlineNanos;

    /** The member whose renewal age a fence records. */
    void of(Member owner) {
        member = owner;
    }

    void runAs(PostgresRole running) {
        role = running;
    }

    void stop() {
        role = PostgresRole.NONE;
    }

    @Override
    public boolean isRunning() {
        return role != PostgresRole.NONE;
    }

    @Override
    public long pid() {
        return isRunning() ? 4242 : 0;
    }

    @Override
    public Observation observe() {
        if (!isRunning()) {
            return Observation.unreachable("not running");
        }
        return new Observation(role, "7001", 1, Lsn.parse("0/3000000"), Lsn.parse("0/3000000"), Lsn.parse("0/3000000"),
                role == PostgresRole.STANDBY ? "streaming" : null, null, 0, List.of(), -1, null);
    }

    @Override
    public void stopAcceptingWrites(Duration escalation) {
        stoppedAtRenewalAgeMs = member.renewal().millisSinceRenewal();
        stoppedAtNanos = System.nanoTime();
        role = PostgresRole.NONE;
    }

    @Override
    public void armFence(long deadlineNanos) {
        fenceDeadlineNanos = deadlineNanos;
    }

    @Override
    public void disarmFence() {
        fenceDeadlineNanos = 0;
    }
}

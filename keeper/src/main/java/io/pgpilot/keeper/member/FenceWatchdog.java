package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.LocalPostgres;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences a writable primary whose last successful lease renewal is older than the renew deadline, on a
 * thread of its own: the heartbeat and the convergence loop may be stuck on a slow API server or a long
 * pg_basebackup, and the deadline must hold all the same (safety invariant 2).
 */
public final class FenceWatchdog {

    private static final Logger log = LoggerFactory.getLogger(FenceWatchdog.class);
    /** How often the deadline is checked: the fence comes at most this late. */
    private static final long CHECK_MS = 5;
    /** How long the fencing fast shutdown may take before it escalates to an immediate stop. */
    private static final Duration ESCALATION = Duration.ofMillis(500);

    private final Member member;
    private final LocalPostgres postgres;
    private final KeeperMetrics metrics;

    public FenceWatchdog(Member member, LocalPostgres postgres, KeeperMetrics metrics) {
        this.member = member;
        this.postgres = postgres;
        this.metrics = metrics;
    }

    public void run() {
        while (!member.stopping()) {
            if (member.mustFence()) {
                fence();
            }
            keepProcessFenceArmed();
            Waiting.pause(CHECK_MS);
        }
    }

    /**
     * Moves the fence that holds without this JVM ({@link LocalPostgres#armFence}) on with each renewal while
     * PostgreSQL may write, and disarms it otherwise. If this JVM stops running, the deadline stays where the
     * last renewal put it, and PostgreSQL is stopped there.
     */
    private void keepProcessFenceArmed() {
        ClusterSpec spec = member.view().spec();
        long deadline = member.renewal().deadlineNanos(spec.renewDeadlineMs());
        if (member.isWritable() && postgres.isRunning() && deadline != RenewalClock.NONE) {
            postgres.armFence(deadline + processFenceGraceMs(spec) * 1_000_000L);
        } else {
            postgres.disarmFence();
        }
    }

    /**
     * How long after the renew deadline the process fence fires: this watchdog's own fence (a fast shutdown,
     * which lets PostgreSQL stop cleanly) goes first while this JVM runs, and the process fence, with its
     * immediate stop, still ends writes well before the lease can expire for anyone else: a third of the time
     * between the renew deadline and the lease's expiry, at most a second (1 s of the default 3 s).
     */
    static long processFenceGraceMs(ClusterSpec spec) {
        return Math.min(1_000, (spec.leaseDurationMs() - spec.renewDeadlineMs()) / 3);
    }

    private void fence() {
        long begin = System.nanoTime();
        if (!member.fence()) {
            return;
        }
        long age = member.renewal().millisSinceRenewal();
        long deadline = member.view().spec().renewDeadlineMs();
        log.warn("fencing: last successful lease renewal was {} ms ago, past the renew deadline of {} ms; terminating sessions and stopping PostgreSQL now",
                age, deadline);
        postgres.stopAcceptingWrites(ESCALATION);
        long tookNanos = System.nanoTime() - begin;
        metrics.fenced(tookNanos);
        long tookMs = tookNanos / 1_000_000;
        member.message("fenced: lease not renewed for " + age + " ms; PostgreSQL stopped in " + tookMs + " ms");
        log.warn("fenced: PostgreSQL stopped {} ms after the decision", tookMs);
        member.refreshStatus(Observation.unreachable("fenced"), member.view(), null);
    }
}

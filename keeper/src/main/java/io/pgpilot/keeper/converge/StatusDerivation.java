package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import io.pgpilot.keeper.model.Observation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What this member publishes about itself, derived from what it last published and what it knows now. Pure,
 * so that every case is tested by a table.
 *
 * <p>Some fields outlive the moment: while PostgreSQL is not running the positions, the synchronous set
 * and the final LSN of its last run still describe the data (the sentinel decides a failover on them), and a
 * timeline never goes back (a standby's probe can report an older one while its WAL receiver restarts).
 */
public final class StatusDerivation {

    private StatusDerivation() {
    }

    public static KeeperStatus derive(KeeperStatus previous, StatusFacts f) {
        Observation obs = f.observation();
        MemberPlan plan = f.state().planFor(f.me());
        boolean unprobed = obs.role() == PostgresRole.NONE;
        List<String> synchronous = new ArrayList<>();
        obs.replicas().stream().filter(r -> "sync".equals(r.syncState()) || "quorum".equals(r.syncState()))
                .forEach(r -> synchronous.add(r.applicationName()));
        KeeperStatus.Builder b = previous.toBuilder()
                .role(obs.role())
                .state(state(f))
                .healthy(healthy(f, plan))
                .systemIdentifier(obs.systemIdentifier() != null ? obs.systemIdentifier() : f.offlineSystemIdentifier())
                .timeline(obs.role() == PostgresRole.STANDBY ? Math.max(obs.timeline(), previous.timeline())
                        : obs.timeline() > 0 ? obs.timeline() : previous.timeline())
                .writeLsn(unprobed ? previous.writeLsn() : obs.writeLsn())
                .flushLsn(unprobed ? previous.flushLsn() : obs.flushLsn())
                .replayLsn(unprobed ? previous.replayLsn() : obs.replayLsn())
                .lagBytes(lagBytes(f))
                .lagSeconds(obs.role() == PostgresRole.STANDBY && obs.heartbeatAgeSeconds() >= 0 ? obs.heartbeatAgeSeconds() : 0)
                .epoch(obs.role() == PostgresRole.PRIMARY && f.lease() != null ? f.lease().epoch() : 0)
                .pid(f.pid())
                .upstream(plan == null ? null : plan.upstream())
                .message(f.message())
                .synchronousStandbys(unprobed ? previous.synchronousStandbys() : synchronous)
                .timelineHistory(obs.role() == PostgresRole.PRIMARY && f.ownHistory() != null && f.ownHistory().timeline() == obs.timeline()
                        ? f.ownHistory().switchpoints() : Map.of())
                .streamingStandbys(streamingStandbys(obs))
                .failsafeMembers(obs.role() == PostgresRole.PRIMARY && f.writable() ? List.copyOf(new TreeSet<>(f.state().members().keySet())) : List.of());
        if (f.generationApplied() != null) {
            b.generationApplied(f.generationApplied());
        }
        if (f.running()) {
            b.finalLsn(Lsn.ZERO);   // a final position belongs to a clean stop, which a running server is past
        }
        return b.build();
    }

    private static MemberState state(StatusFacts f) {
        Observation obs = f.observation();
        if (f.busyState() != null) {
            return f.busyState();
        }
        if (!f.running()) {
            return f.fenced() ? MemberState.FENCED : MemberState.INITIALIZING;
        }
        return switch (obs.role()) {
            case PRIMARY -> MemberState.RUNNING;
            case STANDBY -> obs.streaming() ? MemberState.STREAMING : MemberState.RUNNING;
            case NONE -> MemberState.INITIALIZING;
        };
    }

    /** PostgreSQL runs in the role the plan gives this member, and does that role's work. */
    private static boolean healthy(StatusFacts f, MemberPlan plan) {
        Observation obs = f.observation();
        return f.running() && plan != null
                && ((plan.role() == Role.PRIMARY && obs.role() == PostgresRole.PRIMARY && f.writable())
                || (plan.role() == Role.STANDBY && obs.role() == PostgresRole.STANDBY && obs.streaming()));
    }

    /** A standby's distance behind the position the primary last published; 0 otherwise. */
    private static long lagBytes(StatusFacts f) {
        String primary = f.state().primary();
        if (f.observation().role() != PostgresRole.STANDBY || primary == null) {
            return 0;
        }
        KeeperStatus published = f.keepers().get(primary);
        return published == null ? 0 : published.receivedLsn().bytesAfter(f.observation().replayLsn());
    }

    /** Primary: the members PostgreSQL sees streaming from it, with their replayed positions. */
    public static Map<String, Lsn> streamingStandbys(Observation obs) {
        Map<String, Lsn> streaming = new TreeMap<>();
        if (obs.role() == PostgresRole.PRIMARY) {
            obs.replicas().stream().filter(r -> "streaming".equals(r.state()) && r.applicationName() != null)
                    .forEach(r -> streaming.put(r.applicationName(), r.replayLsn()));
        }
        return streaming;
    }

    /**
     * A restarted keeper's first status, with what it published before the restart about data the restart
     * did not change: where its WAL ends, its final LSN from a clean stop and, if it was the primary, the
     * synchronous set it had applied. The sentinel decides a failover on exactly these; a restarted keeper
     * that published zeros instead would make a whole-cluster restart in synchronous mode wait forever (no
     * standby provably has every commit). Only for the same data directory (system identifier); anything else
     * starts from nothing. Positions already known at this start (where the WAL ends, read offline) win when
     * they are further.
     *
     * @param before what this member published last; null when nothing
     */
    public static KeeperStatus carriedOver(KeeperStatus fresh, KeeperStatus before) {
        if (before == null || fresh.systemIdentifier() == null || !fresh.systemIdentifier().equals(before.systemIdentifier())) {
            return fresh;
        }
        KeeperStatus.Builder b = fresh.toBuilder().finalLsn(before.finalLsn()).synchronousStandbys(before.synchronousStandbys());
        boolean beforeIsFurther = before.timeline() > fresh.timeline()
                || (before.timeline() == fresh.timeline() && before.receivedLsn().isAfter(fresh.receivedLsn()));
        if (beforeIsFurther) {
            // Else the WAL's end, read offline at this start, is already further and stays.
            b.timeline(before.timeline()).writeLsn(before.writeLsn()).flushLsn(before.flushLsn()).replayLsn(before.replayLsn());
        }
        return b.build();
    }
}

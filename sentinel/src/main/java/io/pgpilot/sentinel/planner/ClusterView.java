package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The questions the planner asks about keepers, answered from one input: who is fresh, who is a healthy
 * standby, which WAL position the primary last reported. Pure, like the planner.
 */
final class ClusterView {

    /** Best candidate first: most WAL received, then higher priority, then name for a stable order. */
    static final Comparator<KeeperView> PREFERENCE = Comparator
            .comparing((KeeperView k) -> k.status().receivedLsn()).reversed()
            .thenComparing(Comparator.comparingInt((KeeperView k) -> k.status().priority()).reversed())
            .thenComparing(KeeperView::name);

    private final PlannerInput in;
    private final ClusterSpec spec;
    private final ClusterState state;

    ClusterView(PlannerInput in) {
        this.in = in;
        this.spec = in.spec();
        this.state = in.state();
    }

    KeeperView keeper(String name) {
        return name == null ? null : in.keepers().get(name);
    }

    /** Readable and heard from within the lease duration: alive enough to be planned or promoted. */
    boolean fresh(KeeperView k) {
        return k != null && k.readable() && k.heartbeatSeen() && k.msSinceHeartbeat() <= spec.leaseDurationMs();
    }

    /** Heard from within the renew deadline: what it says about itself is current enough to act on at once. */
    boolean current(KeeperView k) {
        return k != null && k.readable() && k.heartbeatSeen() && k.msSinceHeartbeat() <= spec.renewDeadlineMs();
    }

    /** Positive evidence that this keeper's PostgreSQL does not accept writes, from its own fresh report. */
    boolean reportsNotRunningAsPrimary(KeeperView k) {
        return current(k) && k.status().saysNotWriting();
    }

    /** A demoted primary that stopped cleanly: not primary any more, and it published the last position it wrote. */
    boolean reportsCleanStop(KeeperView k) {
        return current(k) && k.status().role() != PostgresRole.PRIMARY && !k.status().finalLsn().equals(Lsn.ZERO);
    }

    Optional<KeeperStatus> primaryStatus() {
        KeeperView k = keeper(state.primary());
        return k == null || !k.readable() ? Optional.empty() : Optional.of(k.status());
    }

    /** The furthest WAL position the primary is known to have written, including its final position after a clean stop. */
    Lsn lastKnownPrimaryPosition() {
        return primaryStatus().map(s -> Lsn.max(s.receivedLsn(), s.finalLsn())).orElse(Lsn.ZERO);
    }

    /**
     * Where the primary's current timeline began: the position it had reached when it was promoted, from the
     * timeline history it publishes. Everything acknowledged in earlier terms is at or before it. Zero on the
     * first timeline, or while the primary has not published its history yet.
     */
    Lsn primaryTermStart() {
        return primaryStatus().filter(s -> s.timeline() > 1).map(s -> s.timelineHistory().get(s.timeline() - 1)).orElse(Lsn.ZERO);
    }

    String systemIdentifier() {
        return primaryStatus().map(KeeperStatus::systemIdentifier).orElse(null);
    }

    /** The primary's timeline when it reported one, else the highest any fresh keeper reports. */
    int currentTimeline() {
        int reported = primaryStatus().map(KeeperStatus::timeline).orElse(0);
        if (reported > 0) {
            return reported;
        }
        return in.keepers().values().stream().filter(this::fresh).mapToInt(k -> k.status().timeline()).max().orElse(0);
    }

    /**
     * Why {@code k} cannot be promoted, or empty when it can: a fresh, running standby of this
     * cluster's data on the current timeline, planned, listed by the primary among the members it asks in
     * failsafe (when it lists any), and not marked noFailover.
     */
    Optional<String> whyNotPromotable(KeeperView k) {
        if (k == null) {
            return Optional.of("it has no status Lease");
        }
        if (k.name().equals(state.primary())) {
            return Optional.of("it is the current primary");
        }
        if (!state.members().containsKey(k.name())) {
            return Optional.of("it is not a planned member");
        }
        List<String> failsafeMembers = primaryStatus().map(KeeperStatus::failsafeMembers).orElse(List.of());
        if (!failsafeMembers.isEmpty() && !failsafeMembers.contains(k.name())) {
            // The primary may be writing on its members' confirmations (failsafe) and would not ask this one.
            return Optional.of("the primary " + state.primary() + " does not list it among the members it asks in failsafe");
        }
        if (!k.readable()) {
            return Optional.of("its status cannot be read (" + k.corruption() + ")");
        }
        if (!fresh(k)) {
            return Optional.of("its heartbeat is older than leaseDurationMs");
        }
        KeeperStatus s = k.status();
        if (s.noFailover()) {
            return Optional.of("it is marked noFailover");
        }
        // Streaming is not required: once the primary is gone no standby streams any more. What matters is a
        // PostgreSQL running in recovery; how much WAL it has is judged by the candidate rules.
        if (s.role() != PostgresRole.STANDBY || (s.state() != MemberState.STREAMING && s.state() != MemberState.RUNNING)) {
            return Optional.of("it is not a running standby (role " + s.role() + ", state " + s.state().label() + ")");
        }
        String sysid = systemIdentifier();
        if (s.systemIdentifier() == null || (sysid != null && !sysid.equals(s.systemIdentifier()))) {
            return Optional.of("its data is not this cluster's (system identifier " + s.systemIdentifier() + ")");
        }
        if (s.timeline() != currentTimeline()) {
            return Optional.of("it is on timeline " + s.timeline() + ", not the current " + currentTimeline());
        }
        return Optional.empty();
    }

    List<KeeperView> promotable() {
        return in.keepers().values().stream().filter(k -> whyNotPromotable(k).isEmpty()).sorted(PREFERENCE).toList();
    }

    /** A standby that counts toward the synchronous set: promotable and streaming from the primary. */
    boolean synchronousCapable(KeeperView k) {
        return whyNotPromotable(k).isEmpty() && k.status().healthy() && k.status().state() == MemberState.STREAMING
                && state.primary() != null && state.primary().equals(k.status().upstream());
    }
}

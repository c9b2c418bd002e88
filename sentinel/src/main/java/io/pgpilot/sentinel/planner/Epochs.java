package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.KeeperStatus;

/**
 * The highest epoch and generation anyone has seen: C-state, the primary Lease, and what each member has read
 * and keeps on its volume. A new epoch or generation is always above them, so they never go back, not even
 * after C-state or the Lease was deleted or restored from an older copy.
 */
final class Epochs {

    private Epochs() {
    }

    /** The highest epoch a member has held or read. */
    static long seenByMembers(PlannerInput in) {
        return in.keepers().values().stream().filter(KeeperView::readable).map(KeeperView::status)
                .mapToLong(s -> Math.max(s.epoch(), s.epochSeen())).max().orElse(0);
    }

    /** The highest C-state generation a member has read or converged to. */
    static long generationSeenByMembers(PlannerInput in) {
        return in.keepers().values().stream().filter(KeeperView::readable).map(KeeperView::status)
                .mapToLong(s -> Math.max(s.generationSeen(), s.generationApplied())).max().orElse(0);
    }

    /** The highest epoch anyone has seen: the next term starts above it. */
    static long highest(PlannerInput in) {
        long state = in.stateProblem() == null ? in.state().epoch() : 0;
        return Math.max(Math.max(state, in.lease().epoch()), seenByMembers(in));
    }

    /** The highest generation anyone has seen: the next C-state is written above it. */
    static long generation(PlannerInput in) {
        long state = in.stateProblem() == null ? in.state().generation() : 0;
        return Math.max(state, generationSeenByMembers(in));
    }

    static long seen(KeeperStatus s) {
        return Math.max(s.epoch(), s.epochSeen());
    }
}

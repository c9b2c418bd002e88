package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.OperatorRequest;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything one decision is made from. Times are durations measured by the sentinel's own monotonic clock;
 * {@code wallClock} only labels history records for people.
 *
 * @param spec      the last valid spec
 * @param state     C-state as read (INITIAL when absent or unreadable)
 * @param stateProblem why C-state could not be used as read (missing, unreadable), null when it could
 * @param lease     the primary Lease
 * @param keepers   every keeper Lease, by keeper name
 * @param request   the operator's request, null when none
 * @param wallClock an ISO-8601 instant for history records
 */
public record PlannerInput(ClusterSpec spec, ClusterState state, String stateProblem, PrimaryLeaseView lease, Map<String, KeeperView> keepers,
                           OperatorRequest request, String wallClock) {

    public PlannerInput {
        keepers = keepers == null ? Map.of() : Map.copyOf(new TreeMap<>(keepers));
    }
}

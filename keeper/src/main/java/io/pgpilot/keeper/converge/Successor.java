package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import java.util.Map;
import java.util.Optional;

/**
 * The member that took over from a primary which stopped cleanly, once the cluster's objects say so: C-state
 * names it primary and plans the stopped member as its standby, and its own status reports a running
 * primary on a newer timeline. Pure, so that every combination is testable.
 *
 * @param name     the new primary
 * @param endpoint where its PostgreSQL listens
 * @param status   its published status (its timeline history with it, for the fork-point check)
 */
public record Successor(String name, Endpoint endpoint, KeeperStatus status) {

    /**
     * @param me              the stopped former primary
     * @param stoppedTimeline the timeline its data ended on
     */
    public static Optional<Successor> of(String me, ClusterState state, Map<String, KeeperStatus> keepers, int stoppedTimeline) {
        String primary = state.primary();
        MemberPlan mine = state.planFor(me);
        if (primary == null || primary.equals(me) || mine == null || mine.role() != Role.STANDBY || !primary.equals(mine.upstream())) {
            return Optional.empty();
        }
        KeeperStatus up = keepers.get(primary);
        if (up == null || up.role() != PostgresRole.PRIMARY || up.host() == null || up.port() <= 0 || up.timeline() <= stoppedTimeline) {
            return Optional.empty();
        }
        return Optional.of(new Successor(primary, new Endpoint(up.host(), up.port()), up));
    }
}

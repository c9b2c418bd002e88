package io.pgpilot.keeper;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.store.PrimaryLease;
import java.util.Map;

/**
 * The cluster as this keeper last read it from the Kubernetes API, in one heartbeat.
 *
 * @param lease    the primary Lease; null when it does not exist
 * @param keepers  every keeper's last published status, by name (corrupt ones left out)
 */
public record ClusterView(ClusterSpec spec, ClusterState state, PrimaryLease lease, Map<String, KeeperStatus> keepers) {

    public static final ClusterView NOTHING_YET = new ClusterView(ClusterSpec.DEFAULT, ClusterState.INITIAL, null, Map.of());

    public boolean leaseHeldAtEpoch(String keeper) {
        return lease != null && lease.isHeldBy(keeper) && lease.epoch() == state.epoch();
    }
}

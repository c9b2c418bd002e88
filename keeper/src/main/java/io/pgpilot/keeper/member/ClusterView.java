package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.Read;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster as this keeper last read it from the Kubernetes API, in one heartbeat.
 *
 * @param lease    the primary Lease; null when it does not exist
 * @param keepers  every keeper's last published status, by name (corrupt ones left out)
 */
public record ClusterView(ClusterSpec spec, ClusterState state, PrimaryLease lease, Map<String, KeeperStatus> keepers) {

    public static final ClusterView NOTHING_YET = new ClusterView(ClusterSpec.DEFAULT, ClusterState.INITIAL, null, Map.of());

    /** The statuses in {@code records} that parse, by keeper. */
    static Map<String, KeeperStatus> statuses(List<KeeperRecord> records) {
        Map<String, KeeperStatus> keepers = new HashMap<>();
        for (KeeperRecord record : records) {
            if (record.status() instanceof Read.Found<KeeperStatus> found) {
                keepers.put(record.keeper(), found.value());
            }
        }
        return Map.copyOf(keepers);
    }
}

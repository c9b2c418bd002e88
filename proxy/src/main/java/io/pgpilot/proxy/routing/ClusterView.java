package io.pgpilot.proxy.routing;

import io.pgpilot.cluster.ClusterSpec;
import java.util.Map;

/**
 * Everything a routing decision depends on, as observed at one instant.
 *
 * @param spec         the last valid spec (timings and the read lag limit)
 * @param lease        the primary Lease; null when it does not exist or was never read
 * @param keepers      keepers with a readable status, by name
 * @param confirmation the holder's latest confirmation over HTTP; null when there is none
 */
public record ClusterView(ClusterSpec spec, LeaseView lease, Map<String, KeeperView> keepers, Confirmation confirmation) {

    public ClusterView {
        keepers = Map.copyOf(keepers);
    }
}

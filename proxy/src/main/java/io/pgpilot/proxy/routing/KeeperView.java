package io.pgpilot.proxy.routing;

import io.pgpilot.cluster.KeeperStatus;

/**
 * One keeper as this proxy last read it.
 *
 * @param status             its last published status
 * @param msSinceHeartbeat   time since this proxy last saw the keeper's Lease change, on its own clock
 */
public record KeeperView(KeeperStatus status, long msSinceHeartbeat) {
}

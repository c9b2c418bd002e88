package io.pgpilot.store;

import io.pgpilot.cluster.KeeperStatus;

/**
 * One keeper's Lease: its status (which may be corrupt) and the version an observer measures its
 * heartbeat age from.
 */
public record KeeperRecord(String keeper, String leaseName, Read<KeeperStatus> status, String resourceVersion) {
}

package io.pgpilot.keeper.member;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Write;

/**
 * This keeper's status Lease: what it last published, and whether a status built since must go out before
 * the next full heartbeat. Shared by the heartbeat, the convergence thread and the shutdown hook.
 */
public final class StatusPublication {

    private final ClusterStore store;
    private String ownLeaseVersion;
    private volatile String publishedCondition = "";
    private volatile Lsn publishedReceived = Lsn.ZERO;
    private volatile java.util.Set<String> publishedStreaming = java.util.Set.of();
    /** The furthest final position another member published at a clean stop: a handoff may be waiting on it. */
    private volatile Lsn handoffFloor;

    public StatusPublication(ClusterStore store) {
        this.store = store;
    }

    /** Writes the status Lease; a conflict (someone else wrote it) makes the next write read its version first. */
    synchronized void publish(KeeperStatus s) {
        Write<KeeperStatus> written = store.publishKeeperStatus(s, ownLeaseVersion);
        if (written instanceof Write.Written<KeeperStatus> w) {
            ownLeaseVersion = w.resourceVersion();
            publishedCondition = s.condition();
            publishedReceived = s.receivedLsn();
            publishedStreaming = s.streamingStandbys().keySet();
        } else {
            ownLeaseVersion = null;
        }
    }

    /**
     * Publish before the next full heartbeat when the condition changed, or when this member has just
     * received the final position a stopped primary published: a switchover waits for exactly that, and
     * a position alone is not part of the condition. Also when the standbys streaming from this primary
     * changed: not a condition (nothing decides on it, so the watchers of the cluster are not woken for
     * it), but what shows a restarted standby streaming before its own keeper has started.
     */
    boolean due(KeeperStatus s) {
        Lsn floor = handoffFloor;
        boolean reachedFloor = floor != null && !floor.isAfter(s.receivedLsn()) && floor.isAfter(publishedReceived);
        return reachedFloor || !s.condition().equals(publishedCondition) || !s.streamingStandbys().keySet().equals(publishedStreaming);
    }

    void handoffFloor(Lsn floor) {
        handoffFloor = floor;
    }

    /** True when another member's final position is further than what this one last published as received. */
    boolean handoffAhead() {
        Lsn floor = handoffFloor;
        return floor != null && floor.isAfter(publishedReceived);
    }
}

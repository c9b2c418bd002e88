package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.KeeperStatus;

/**
 * What this sentinel knows about one keeper.
 *
 * @param name             the keeper
 * @param status           its last published status, null when its Lease's status is corrupt
 * @param corruption       why the status could not be read, null when it could
 * @param msSinceHeartbeat how long ago this sentinel saw the keeper's Lease change, by its own clock
 * @param podTerminated    Kubernetes reports the keeper container terminated
 * @param podRestarted     the container's restart count went up since this sentinel last saw the primary lease change
 * @param heartbeatSeen    this sentinel has seen the keeper's Lease change at least once: a Lease left behind by
 *                         a dead keeper looks fresh to a sentinel that has just started, so it is not trusted
 *                         until it moves
 */
public record KeeperView(String name, KeeperStatus status, String corruption, long msSinceHeartbeat, boolean podTerminated,
                         boolean podRestarted, boolean heartbeatSeen) {

    public static KeeperView of(KeeperStatus status, long msSinceHeartbeat) {
        return new KeeperView(status.name(), status, null, msSinceHeartbeat, false, false, true);
    }

    public static KeeperView corrupt(String name, String problem, long msSinceHeartbeat) {
        return new KeeperView(name, null, problem, msSinceHeartbeat, false, false, true);
    }

    public KeeperView withPod(boolean terminated, boolean restarted) {
        return new KeeperView(name, status, corruption, msSinceHeartbeat, terminated, restarted, heartbeatSeen);
    }

    public KeeperView withHeartbeatSeen(boolean seen) {
        return new KeeperView(name, status, corruption, msSinceHeartbeat, podTerminated, podRestarted, seen);
    }

    public boolean readable() {
        return status != null;
    }
}

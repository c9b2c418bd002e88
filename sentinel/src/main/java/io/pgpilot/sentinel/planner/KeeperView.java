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
 */
public record KeeperView(String name, KeeperStatus status, String corruption, long msSinceHeartbeat, boolean podTerminated,
                         boolean podRestarted) {

    public static KeeperView of(KeeperStatus status, long msSinceHeartbeat) {
        return new KeeperView(status.name(), status, null, msSinceHeartbeat, false, false);
    }

    public static KeeperView corrupt(String name, String problem, long msSinceHeartbeat) {
        return new KeeperView(name, null, problem, msSinceHeartbeat, false, false);
    }

    public KeeperView withPod(boolean terminated, boolean restarted) {
        return new KeeperView(name, status, corruption, msSinceHeartbeat, terminated, restarted);
    }

    public boolean readable() {
        return status != null;
    }
}

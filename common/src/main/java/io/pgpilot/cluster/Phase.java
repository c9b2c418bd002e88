package io.pgpilot.cluster;

/** Where the cluster as a whole stands, as the sentinel last decided. */
public enum Phase {
    /** No primary has been bootstrapped yet. */
    INITIALIZING,
    /** A primary holds the lease and the sentinel has nothing pending. */
    NORMAL,
    /** The primary is lost and the sentinel is choosing or promoting a replacement. */
    FAILING_OVER,
    /** A planned handoff is in progress. */
    SWITCHING_OVER,
    /** The primary is lost and no standby may be promoted yet; {@code ClusterState.reason} says why. */
    WAITING
}

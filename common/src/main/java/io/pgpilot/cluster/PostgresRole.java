package io.pgpilot.cluster;

/** What PostgreSQL really is on a keeper, as the keeper observed it. */
public enum PostgresRole {
    /** Running, out of recovery: it accepts writes. */
    PRIMARY,
    /** Running in recovery. */
    STANDBY,
    /** Not running, or not reachable by its own keeper. */
    NONE
}

package io.pgpilot.keeper.model;

/**
 * Whether this member's WAL goes past the point where its upstream's timeline forked off from it. Past that
 * point PostgreSQL cannot follow the upstream ("new timeline forked off ... before current recovery point")
 * and waits forever; only pg_rewind brings such a member back. Up to it, the member can simply follow.
 */
public enum Divergence {
    /** Not looked at, or not knowable (the upstream did not answer, the local WAL could not be read). */
    UNKNOWN,
    /** This member's WAL ends at or before the fork point, or it is on the upstream's timeline. */
    NONE,
    /** This member has WAL the upstream's timeline does not: it must be rewound before it follows. */
    DIVERGED
}

package io.pgpilot.keeper.converge;

/** What the data directory holds, judged offline. */
public enum DataState {
    /** No data directory, or an empty one. */
    EMPTY,
    /** A data directory marked as a standby (standby.signal). */
    STANDBY,
    /** A data directory that last ran as a primary (bootstrap, or promoted). */
    PRIMARY
}

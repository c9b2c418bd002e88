package io.pgpilot.keeper.model;

import io.pgpilot.cluster.Lsn;

/** Where a member's WAL ends: the timeline of its newest WAL and the position just after its last valid record. */
public record WalPosition(int timeline, Lsn end) {
}

package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.ParallelReads;
import io.pgpilot.store.Read;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * One round of the reads a keeper's heartbeat decides on (spec, C-state, primary Lease, keeper statuses),
 * issued at the same time.
 *
 * <p>The first round is issued when the process starts, before the rest of the keeper is built, and serves
 * three uses: the data-directory check, the carry-over of the last published status, and the first
 * heartbeat. On a restarted member's cold JVM a round of reads takes a few hundred milliseconds of its
 * rejoin, which one round instead of three saves twice.
 *
 * @param issuedNanos {@link System#nanoTime()} when the reads were sent
 */
public record ClusterReading(
        long issuedNanos,
        CompletableFuture<Read<ClusterSpec>> spec,
        CompletableFuture<Read<ClusterState>> state,
        CompletableFuture<Read<PrimaryLease>> lease,
        CompletableFuture<List<KeeperRecord>> keepers) {

    public static ClusterReading issue(ClusterStore store) {
        return new ClusterReading(System.nanoTime(), ParallelReads.start(store::readSpec), ParallelReads.start(store::readState),
                ParallelReads.start(store::readPrimaryLease), ParallelReads.start(store::listKeepers));
    }

    /**
     * Whether a heartbeat may still decide on this reading at {@code nowNanos}: while it is younger than a
     * heartbeat interval, no older than the view a keeper routinely decides on between two heartbeats (every
     * write made on it, a renewal or a release, is a compare-and-swap all the same), and none of its reads has
     * failed already (the API server was away at the start: a fresh round has a better chance).
     */
    boolean usableAt(long nowNanos, long renewIntervalMs) {
        return nowNanos - issuedNanos < renewIntervalMs * 1_000_000L
                && Stream.of(spec, state, lease, keepers).noneMatch(CompletableFuture::isCompletedExceptionally);
    }
}

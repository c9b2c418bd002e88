package io.pgpilot.sentinel.planner;

/**
 * The {@code C-primary} Lease as this sentinel sees it.
 *
 * @param exists        the Lease object exists
 * @param holder        the keeper allowed to write; null when released or absent
 * @param epoch         its leaseTransitions; when it does not exist, the highest this sentinel saw it have
 * @param msSinceChange how long ago this sentinel, by its own monotonic clock, last saw the record change
 */
public record PrimaryLeaseView(boolean exists, String holder, long epoch, long msSinceChange) {

    public static final PrimaryLeaseView ABSENT = new PrimaryLeaseView(false, null, 0, 0);

    public static PrimaryLeaseView held(String holder, long epoch, long msSinceChange) {
        return new PrimaryLeaseView(true, holder, epoch, msSinceChange);
    }

    /** Deleted (or never created): {@code msSinceChange} runs on from the last sighting of the object. */
    public static PrimaryLeaseView missing(long highestEpochSeen, long msSinceChange) {
        return new PrimaryLeaseView(false, null, highestEpochSeen, msSinceChange);
    }

    public static PrimaryLeaseView released(long epoch, long msSinceChange) {
        return new PrimaryLeaseView(true, null, epoch, msSinceChange);
    }

    /** The holder gave the lease up: positive evidence it no longer writes. */
    public boolean released() {
        return exists && holder == null;
    }
}

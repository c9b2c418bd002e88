package io.pgpilot.cluster;

/**
 * The {@code C-primary} Lease as pgpilot reads it.
 *
 * @param holder          the one keeper allowed to accept writes; null when released or never granted
 * @param epoch           the fencing token: the Lease's leaseTransitions, bumped on every change of holder
 * @param resourceVersion the version to compare-and-swap against; it also changes on every renewal, which
 *                        is what an observer's clock measures expiry from
 */
public record PrimaryLease(String holder, long epoch, String resourceVersion) {

    public boolean isHeldBy(String keeper) {
        return holder != null && holder.equals(keeper);
    }

    public boolean isReleased() {
        return holder == null;
    }
}

package io.pgpilot.proxy.routing;

/**
 * The primary Lease as this proxy last read it.
 *
 * @param holder          the keeper allowed to accept writes; null when the lease is released
 * @param epoch           the lease's fencing token
 * @param msSinceChange   time since this proxy last saw the record change, on its own monotonic clock
 *                        ({@link io.pgpilot.time.LeaseObserver}); -1 when never seen
 */
public record LeaseView(String holder, long epoch, long msSinceChange) {
}

package io.pgpilot.keeper.member;

import io.pgpilot.time.MonotonicClock;

/**
 * When this keeper last renewed the primary Lease successfully, by its own monotonic clock and measured
 * from when the renewal request was <em>sent</em>: the API server may have granted it at any moment after
 * that, so the send time is the conservative end.
 */
public final class RenewalClock {

    private final MonotonicClock clock;
    private volatile long lastSentNanos;
    private volatile boolean ever;

    public RenewalClock(MonotonicClock clock) {
        this.clock = clock;
    }

    public long now() {
        return clock.nanos();
    }

    /** Records a successful renewal whose request was sent at {@code sentNanos}. */
    public synchronized void renewed(long sentNanos) {
        if (!ever || sentNanos - lastSentNanos > 0) {
            lastSentNanos = sentNanos;
            ever = true;
        }
    }

    /** Milliseconds since the last successful renewal was sent; -1 when there was none. */
    public long millisSinceRenewal() {
        return ever ? (clock.nanos() - lastSentNanos) / 1_000_000 : -1;
    }

    /** Whether a renewal sent after {@code nanos} (of {@link MonotonicClock#nanos}) succeeded. */
    public boolean renewedAfter(long nanos) {
        return ever && lastSentNanos - nanos > 0;
    }

    /** {@link #deadlineNanos} when there was no renewal. */
    public static final long NONE = Long.MIN_VALUE;

    /** When, in {@link MonotonicClock#nanos}, the last renewal goes stale; {@link #NONE} when there was none. */
    public long deadlineNanos(long renewDeadlineMs) {
        return ever ? lastSentNanos + renewDeadlineMs * 1_000_000L : NONE;
    }

    public boolean isFresh(long renewDeadlineMs) {
        long age = millisSinceRenewal();
        return age >= 0 && age < renewDeadlineMs;
    }

    /** Forgets renewals, after the lease was released or lost. */
    public synchronized void forget() {
        ever = false;
    }
}

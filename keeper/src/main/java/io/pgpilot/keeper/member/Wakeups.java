package io.pgpilot.keeper.member;

import java.util.function.BooleanSupplier;

/**
 * How the keeper's two loops wake each other: a nudge asks the heartbeat to read and publish now (a decision
 * or a member's condition changed, or this keeper's own did), a pass request asks the convergence loop to
 * decide again on what the heartbeat just read. A request made while the other loop is busy is kept, not
 * lost: it is a flag, not a bare notify.
 */
public final class Wakeups {

    /** Least time between two heartbeats, so that a burst of changes costs a few reads, not a storm. */
    private static final long NUDGE_SPACING_MS = 15;

    private final Object beat = new Object();
    /** Guarded by {@code beat}. */
    private boolean nudged;
    /** Guarded by {@code beat}: the next heartbeat renews the primary Lease even if it is not yet due. */
    private boolean renewalRequested;
    private final Object pass = new Object();
    /** Guarded by {@code pass}. */
    private boolean passRequested;

    void nudgeHeartbeat() {
        synchronized (beat) {
            nudged = true;
            beat.notifyAll();
        }
    }

    /** Asks for a heartbeat now that renews the primary Lease, if this member holds it, due or not. */
    void requestRenewal() {
        synchronized (beat) {
            renewalRequested = true;
            nudged = true;
            beat.notifyAll();
        }
    }

    /** Whether a renewal was asked for since the last call; consumes the request. */
    boolean takeRenewalRequest() {
        synchronized (beat) {
            boolean requested = renewalRequested;
            renewalRequested = false;
            return requested;
        }
    }

    /** A heartbeat begins: it answers every nudge made so far. */
    void heartbeatBegins() {
        synchronized (beat) {
            nudged = false;
        }
    }

    /** Waits until {@code deadlineNanos} ({@link System#nanoTime}) or a nudge, and never less than a short spacing. */
    void awaitHeartbeat(long deadlineNanos, BooleanSupplier stopping) {
        Waiting.pause(NUDGE_SPACING_MS);
        synchronized (beat) {
            while (!stopping.getAsBoolean() && !nudged) {
                long remainingNanos = deadlineNanos - System.nanoTime();
                if (remainingNanos <= 0) {
                    return;
                }
                // Rounded up: woken a fraction of a millisecond early, the heartbeat would not yet be a full one,
                // and would run an extra round of reads just before it.
                long remainingMs = (remainingNanos + 999_999) / 1_000_000L;
                try {
                    beat.wait(remainingMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    void requestPass() {
        synchronized (pass) {
            passRequested = true;
            pass.notifyAll();
        }
    }

    /** Waits for a pass request, at most {@code timeoutMs} (more than 0); consumes it. */
    void awaitPass(long timeoutMs) throws InterruptedException {
        synchronized (pass) {
            if (!passRequested) {
                pass.wait(Math.max(1, timeoutMs));
            }
            passRequested = false;
        }
    }
}

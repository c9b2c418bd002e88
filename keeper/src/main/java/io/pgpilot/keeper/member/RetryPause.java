package io.pgpilot.keeper.member;

/**
 * How long an action that failed waits before the convergence loop tries it again: the pause doubles with each
 * failure in a row, up to {@link #MAX_MS}, and a different decision or a success ends it. A failing pg_rewind
 * or pg_basebackup then costs the upstream a few connections a minute instead of one per pass (passes come
 * every 20 ms while a standby waits for its stream). Written by the convergence thread only.
 */
final class RetryPause {

    static final long FIRST_MS = 200;
    static final long MAX_MS = 5_000;

    private String action;
    private int failures;
    private long notBeforeNanos;

    /** Whether {@code action} may run at {@code nowNanos}: always, unless it is the one that failed and its pause runs. */
    boolean mayRun(String action, long nowNanos) {
        return !action.equals(this.action) || nowNanos - notBeforeNanos >= 0;
    }

    /** @return the pause before {@code action} is tried again, in ms */
    long failed(String action, long nowNanos) {
        if (!action.equals(this.action)) {
            this.action = action;
            failures = 0;
        }
        failures++;
        long pauseMs = Math.min(MAX_MS, FIRST_MS << Math.min(failures - 1, 16));
        notBeforeNanos = nowNanos + pauseMs * 1_000_000;
        return pauseMs;
    }

    void succeeded() {
        action = null;
        failures = 0;
    }
}

package io.pgpilot.drills;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waiting for a condition outside a test (the benchmarks, the chaos run), where the cluster is being hit:
 * a check that throws (a stalled API server, a restarting proxy) counts as "not yet".
 */
public final class Polling {

    private Polling() {
    }

    /** Re-checks {@code condition} every {@code every} until it holds (true) or {@code limit} has passed (false). */
    public static boolean within(BooleanSupplier condition, Duration limit, Duration every) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Re-checks {@code condition} every 50 ms until it holds; fails naming {@code what} once {@code limit} has passed. */
    public static void until(BooleanSupplier condition, Duration limit, String what) {
        if (!within(condition, limit, Duration.ofMillis(50))) {
            throw new IllegalStateException("timed out after " + limit.toSeconds() + " s waiting for " + what);
        }
    }
}

package io.pgpilot.keeper.member;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The first moments of a keeper's life that other parts wait for: the watch and the HTTP API start only
 * after them, so that a restarted member's rejoin does not compete with their cold code for the CPU.
 */
public final class Milestones {

    /** The convergence loop has built a status from its first decision (the heartbeat's first publication waits for it). */
    private final CountDownLatch firstPass = new CountDownLatch(1);
    /** Converged to the plan once: started, rejoined, promoted... */
    private final CountDownLatch firstConverged = new CountDownLatch(1);
    /** Converged once and the status saying so published (a standby: streaming, or given up waiting for its stream). */
    private final CountDownLatch firstSettled = new CountDownLatch(1);

    void passed() {
        firstPass.countDown();
    }

    void converged() {
        firstConverged.countDown();
    }

    void settled() {
        firstSettled.countDown();
    }

    boolean hasConverged() {
        return firstConverged.getCount() == 0;
    }

    /** Waits at most {@code max} for the first decision's status; true when it came. */
    boolean awaitFirstPass(Duration max) {
        return awaitQuietly(firstPass, max);
    }

    /** Waits at most {@code max} for the first convergence; true when it came. */
    public boolean awaitFirstConvergence(Duration max) throws InterruptedException {
        return firstConverged.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits at most {@code max} until the keeper has converged once and published it; true when it has. What
     * other members act on is then out, and CPU spent after this point does not delay them.
     */
    public boolean awaitFirstSettled(Duration max) throws InterruptedException {
        return firstSettled.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean awaitQuietly(CountDownLatch latch, Duration max) {
        try {
            return latch.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

package io.pgpilot.keeper.postgres;

import io.pgpilot.keeper.model.Observation;
import java.time.Duration;

/**
 * What the heartbeat, the fence watchdog and the status need of this member's PostgreSQL, and no more: they
 * run against {@link PostgresNode} in the keeper and against a stand-in in tests that need no processes.
 */
public interface LocalPostgres {

    boolean isRunning();

    /** The postmaster's process id, 0 when it is not running. */
    long pid();

    /** Asks PostgreSQL what it is now; {@link Observation#unreachable} when it does not answer. */
    Observation observe();

    /**
     * Stops accepting writes at once: a fast shutdown terminates every session and refuses new ones (not a
     * smart shutdown, which would let open sessions keep writing), escalating to an immediate stop when the
     * postmaster is still there after {@code escalation}.
     */
    void stopAcceptingWrites(Duration escalation);

    /**
     * Keeps a fence that holds without this JVM: PostgreSQL is stopped once {@code deadlineNanos} (of
     * {@link System#nanoTime}) passes, unless armed again with a later one first.
     */
    void armFence(long deadlineNanos);

    /** PostgreSQL accepts no writes by this keeper's leave any more: the fence has nothing to stop. */
    void disarmFence();
}

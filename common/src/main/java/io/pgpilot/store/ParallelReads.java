package io.pgpilot.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Issues independent reads of the API server at the same time. A keeper's heartbeat and a sentinel's tick
 * each read four to six objects, and every handoff waits for one or two of those passes: in sequence they
 * add up to a large share of a switchover's pause. Nothing here relaxes consistency: the reads were never
 * one snapshot, and every write still goes through compare-and-swap.
 */
public final class ParallelReads {

    /** Daemon threads, created as needed and kept a minute: reads come in bursts a few times a second. */
    private static final ExecutorService POOL = Executors.newCachedThreadPool(runnable -> {
        Thread t = new Thread(runnable, "pgpilot-read");
        t.setDaemon(true);
        return t;
    });

    private ParallelReads() {
    }

    /** Starts {@code read} now on another thread. */
    public static <T> CompletableFuture<T> start(Supplier<T> read) {
        return CompletableFuture.supplyAsync(read, POOL);
    }

    /**
     * Starts {@code read} once {@code first} has completed, either way: for a read that must see at least
     * what was current when {@code first} was answered.
     */
    public static <T> CompletableFuture<T> after(CompletableFuture<?> first, Supplier<T> read) {
        return first.handle((result, failure) -> null).thenApplyAsync(ignored -> read.get(), POOL);
    }

    /** The result of a started read; its exception (a {@link StoreUnavailableException}, say) rethrown as it was. */
    public static <T> T join(CompletableFuture<T> read) {
        try {
            return read.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}

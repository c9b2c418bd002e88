package io.pgpilot.time;

/**
 * Elapsed time on this process's own monotonic clock. Every lease judgement in pgpilot goes through one of
 * these, never through timestamps written by another machine, whose clock may be off.
 */
@FunctionalInterface
public interface MonotonicClock {

    /** Nanoseconds since an arbitrary fixed origin; only differences mean anything. */
    long nanos();

    default long millis() {
        return nanos() / 1_000_000;
    }

    static MonotonicClock system() {
        return System::nanoTime;
    }
}

package io.pgpilot.time;

import java.util.HashMap;
import java.util.Map;

/**
 * Judges lease expiry the way Kubernetes' own leader election does: by the time since this observer last
 * saw the lease record change, on its own monotonic clock. The renew time written in the lease is never
 * compared with the local clock, so skew between machines cannot expire a live lease or keep a dead one.
 *
 * <p>A new observer has seen nothing change yet, so every lease it starts watching gets a full duration
 * from the first sighting: a restarted sentinel waits before declaring anything expired.
 */
public final class LeaseObserver {

    private final MonotonicClock clock;
    private final Map<String, Sighting> sightings = new HashMap<>();

    private record Sighting(String version, long changedAtNanos) {
    }

    public LeaseObserver(MonotonicClock clock) {
        this.clock = clock;
    }

    /**
     * Records what the lease looks like now.
     *
     * @param lease   the lease's name
     * @param version anything that changes whenever the record changes (the resourceVersion)
     */
    public synchronized void observe(String lease, String version) {
        Sighting last = sightings.get(lease);
        if (last == null || !last.version.equals(version)) {
            sightings.put(lease, new Sighting(version, clock.nanos()));
        }
    }

    /** Milliseconds since the record last changed; -1 when never observed. */
    public synchronized long millisSinceChange(String lease) {
        Sighting last = sightings.get(lease);
        return last == null ? -1 : (clock.nanos() - last.changedAtNanos) / 1_000_000;
    }

    /** True once the record has not changed for longer than {@code durationMs}; false for a lease never seen. */
    public synchronized boolean isExpired(String lease, long durationMs) {
        long age = millisSinceChange(lease);
        return age >= 0 && age > durationMs;
    }

    public synchronized void forget(String lease) {
        sightings.remove(lease);
    }

    /**
     * Forgets every sighting: after this observer could not read for a while, what it did not see change is no
     * evidence of anything, so every lease gets a full duration again from its next sighting.
     */
    public synchronized void forgetAll() {
        sightings.clear();
    }
}

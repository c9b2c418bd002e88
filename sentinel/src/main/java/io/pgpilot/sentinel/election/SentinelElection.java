package io.pgpilot.sentinel.election;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.pgpilot.time.MonotonicClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election among sentinels on the {@code C-sentinel} Lease, with fabric8's LeaderElector.
 *
 * <p>Three things the elector does not do by itself are done here: it is restarted after it loses
 * leadership (it does not rejoin on its own); leadership is released on close so another sentinel takes
 * over in about a second; and leadership is fenced by a local monotonic timer, because the elector checks
 * its renew deadline only between HTTP calls — a request stuck on a stalled API server would otherwise let
 * this sentinel believe it leads after another one has taken over.
 */
public final class SentinelElection implements Leadership, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelElection.class);

    /**
     * @param leaseDuration how long a leader's lease lasts without renewal
     * @param renewDeadline a leader that has not renewed for this long stops leading (and stops writing)
     * @param retryPeriod   how often to try to acquire or renew
     */
    public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        public Timings {
            if (renewDeadline.compareTo(leaseDuration) >= 0 || retryPeriod.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("election timings need retryPeriod < renewDeadline < leaseDuration, got "
                        + retryPeriod.toMillis() + " / " + renewDeadline.toMillis() + " / " + leaseDuration.toMillis() + " ms");
            }
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private final Timings timings;
    private final MonotonicClock clock;
    private final Runnable onLeadershipChange;
    private final ExecutorService executor = Executors.newCachedThreadPool(daemon("sentinel-election"));
    private final ScheduledExecutorService restarter = Executors.newSingleThreadScheduledExecutor(daemon("sentinel-election-restart"));
    private final AtomicBoolean leading = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger terms = new AtomicInteger();
    private volatile FencedLeaseLock lock;
    private volatile CompletableFuture<?> running;
    private volatile String currentLeader;

    public SentinelElection(KubernetesClient client, String namespace, String leaseName, String identity, Timings timings,
                            MonotonicClock clock, Runnable onLeadershipChange) {
        this.client = client;
        this.namespace = namespace;
        this.leaseName = leaseName;
        this.identity = identity;
        this.timings = timings;
        this.clock = clock;
        this.onLeadershipChange = onLeadershipChange;
    }

    public synchronized void start() {
        if (closed.get()) {
            return;
        }
        FencedLeaseLock newLock = new FencedLeaseLock(namespace, leaseName, identity, clock);
        lock = newLock;
        LeaderElector elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
                .withName(leaseName)
                .withLock(newLock)
                .withLeaseDuration(timings.leaseDuration())
                .withRenewDeadline(timings.renewDeadline())
                .withRetryPeriod(timings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startedLeading, this::stoppedLeading, this::newLeader))
                .build(), executor);
        running = elector.start();
        running.whenComplete((ignored, error) -> {
            stoppedLeading();
            if (!closed.get()) {
                // fabric8's elector ends after losing leadership (or on an error) and never rejoins by itself.
                LOG.info("election: elector of {} ended{}; rejoining in {} ms", identity,
                        error == null ? "" : " (" + error.getClass().getSimpleName() + ")", timings.retryPeriod().toMillis());
                restarter.schedule(this::start, timings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void startedLeading() {
        if (leading.compareAndSet(false, true)) {
            terms.incrementAndGet();
            LOG.info("election: {} leads (lease {}); decisions are written by this sentinel", identity, leaseName);
            onLeadershipChange.run();
        }
    }

    private void stoppedLeading() {
        if (leading.compareAndSet(true, false)) {
            LOG.info("election: {} stopped leading; it writes nothing until it leads again", identity);
            onLeadershipChange.run();
        }
    }

    private void newLeader(String leader) {
        currentLeader = leader;
    }

    /**
     * True only while the elector says this sentinel leads and its last renewal was sent less than the renew
     * deadline ago by this process's own clock.
     */
    @Override
    public boolean mayWrite() {
        FencedLeaseLock current = lock;
        return leading.get() && current != null && current.millisSinceRenewal() < timings.renewDeadline().toMillis();
    }

    public boolean isLeading() {
        return leading.get();
    }

    public String identity() {
        return identity;
    }

    /** The leader this sentinel last saw, null before it saw any. */
    public String currentLeader() {
        return currentLeader;
    }

    /** How many times this sentinel became leader. */
    public int terms() {
        return terms.get();
    }

    /** Stops electing and releases the lease if this sentinel holds it, so another takes over at once. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        restarter.shutdownNow();
        CompletableFuture<?> current = running;
        if (current != null) {
            current.cancel(true);
        }
        leading.set(false);
        executor.shutdown();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

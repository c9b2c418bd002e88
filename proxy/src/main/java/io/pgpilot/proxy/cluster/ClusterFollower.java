package io.pgpilot.proxy.cluster;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.proxy.routing.ClusterView;
import io.pgpilot.proxy.routing.Confirmation;
import io.pgpilot.proxy.routing.KeeperView;
import io.pgpilot.proxy.routing.LeaseView;
import io.pgpilot.proxy.routing.Router;
import io.pgpilot.proxy.routing.RoutingTable;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.ParallelReads;
import io.pgpilot.store.Read;
import io.pgpilot.time.LeaseObserver;
import io.pgpilot.time.MonotonicClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the proxy's view of the cluster and turns it into a {@link RoutingTable} for the listeners.
 *
 * <p>Three loops, on their own threads so that a stalled API server cannot hold up the others:
 * <ul>
 *   <li>the reader re-reads the spec, the primary Lease and the keepers' Leases on every significant watch
 *       event (a new holder, a member's role or state) and at least every renew interval (watch events can
 *       be missed, a stalled watch is silent, and heartbeats and renewals are not worth a round of reads
 *       each: a standby's lag or a renewal reaches the proxy within one interval);</li>
 *   <li>the prober asks the holder's keeper {@code GET /lease} a few times per renew interval;</li>
 *   <li>the ticker decides again every few tens of milliseconds from what is known, because a lease goes
 *       stale by the passing of time alone, with nothing arriving to say so.</li>
 * </ul>
 */
public final class ClusterFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ClusterFollower.class);
    private static final long TICK_MS = 25;
    /** How often an unconfirmed lease holder is asked whether it serves as primary yet. */
    private static final long UNCONFIRMED_PROBE_MS = 30;

    private final ClusterStore store;
    private final MonotonicClock clock;
    private final Router router;
    private final Consumer<RoutingTable> sink;
    private final HolderProbe probe;
    private final LeaseObserver observer;
    private final Semaphore nudges = new Semaphore(0);
    private final ScheduledExecutorService ticker;
    private final Thread reader;
    private final Thread prober;
    private volatile boolean running = true;
    private volatile AutoCloseable watch;

    /** What was last read; replaced as a whole so a decision never mixes two reads. */
    private record Observed(ClusterSpec spec, PrimaryLease lease, Map<String, KeeperStatus> keepers) {
    }

    private volatile Observed observed;
    private volatile HolderProbe.Answer confirmation;
    private String lastStoreProblem;

    public ClusterFollower(ClusterStore store, MonotonicClock clock, Router router, HolderProbe probe, Consumer<RoutingTable> sink) {
        this.store = store;
        this.clock = clock;
        this.router = router;
        this.probe = probe;
        this.sink = sink;
        this.observer = new LeaseObserver(clock);
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "proxy-routing"));
        this.reader = daemon(this::readLoop, "proxy-cluster-reader");
        this.prober = daemon(this::probeLoop, "proxy-holder-probe");
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public void start() {
        reader.start();
        prober.start();
        ticker.scheduleWithFixedDelay(this::decideQuietly, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private ClusterSpec spec() {
        Observed o = observed;
        return o == null ? ClusterSpec.DEFAULT : o.spec;
    }

    // ---- reading the API server ----------------------------------------------------------------------

    private void readLoop() {
        while (running) {
            nudges.drainPermits();
            refresh();
            if (watch == null) {
                // After the first read, so a slow watch set-up does not delay the first routing table.
                startWatch();
                nudges.drainPermits();
                refresh();   // covers changes made while the watch was being set up
            }
            try {
                nudges.tryAcquire(spec().renewIntervalMs(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void startWatch() {
        try {
            watch = store.watchSignificant(nudges::release, false);
        } catch (RuntimeException e) {
            storeProblem("cannot start watching the cluster's objects (polling every renew interval meanwhile): " + e.getMessage());
        }
    }

    /** Reads everything the decision needs; on failure keeps the last view, which then ages. */
    void refresh() {
        try {
            Observed last = observed;
            ClusterSpec spec = last == null ? ClusterSpec.DEFAULT : last.spec;
            var leaseReading = ParallelReads.start(store::readPrimaryLease);
            var keepersReading = ParallelReads.start(store::listKeepers);
            Read<ClusterSpec> specRead = store.readSpec();
            List<String> problems = new ArrayList<>();
            if (specRead instanceof Read.Found<ClusterSpec> found) {
                spec = found.value();
            } else if (specRead instanceof Read.Corrupt<ClusterSpec> corrupt) {
                problems.add(corrupt.describe() + "; keeping the last valid spec");
            }
            Read<PrimaryLease> leaseRead = ParallelReads.join(leaseReading);
            PrimaryLease lease = null;
            String leaseName = store.names().primaryLease();
            if (leaseRead instanceof Read.Found<PrimaryLease> found) {
                lease = found.value();
                observer.observe(leaseName, found.resourceVersion());
            } else if (last != null && last.lease != null) {
                // Deleted: the Lease last seen, unrenewed since. Its holder stays trusted only while it confirms
                // over HTTP that it still may write (it re-creates the Lease at its next heartbeat), and the age
                // of the sighting runs on, so it is trusted no longer than if the object had stayed.
                lease = last.lease;
                problems.add("the primary Lease " + leaseName + " is missing; routing to " + lease.holder() + " only while it confirms it holds epoch "
                        + lease.epoch());
            }
            Map<String, KeeperStatus> keepers = new HashMap<>();
            java.util.Set<String> listed = new java.util.HashSet<>();
            for (KeeperRecord record : ParallelReads.join(keepersReading)) {
                listed.add(record.keeper());
                if (record.status() instanceof Read.Found<KeeperStatus> found) {
                    keepers.put(record.keeper(), found.value());
                    observer.observe(record.leaseName(), record.resourceVersion());
                }
            }
            if (last != null) {
                // A status Lease deleted: the member's last status stands (its address has not changed) and ages
                // unrenewed until its keeper publishes again at its next heartbeat, for a lease duration at most.
                long keptMs = spec.leaseDurationMs();
                last.keepers.forEach((name, status) -> {
                    long age = observer.millisSinceChange(store.names().keeperLease(name));
                    if (!listed.contains(name) && age >= 0 && age <= keptMs) {
                        keepers.put(name, status);
                    }
                });
            }
            observed = new Observed(spec, lease, Map.copyOf(keepers));
            if (lastStoreProblem != null) {
                log.info("the Kubernetes API answers again; routing from fresh reads");
                lastStoreProblem = null;
            }
            String content = String.join("; ", problems);
            if (!content.equals(lastContentProblem)) {
                if (!content.isEmpty()) {
                    log.warn(content);
                } else {
                    log.info("the cluster's objects read as expected again");
                }
                lastContentProblem = content;
            }
        } catch (RuntimeException e) {
            storeProblem("cannot read the cluster (routing from the last view, which ages): " + e.getMessage());
        }
        decideQuietly();
    }

    /** What was wrong with what the objects say (not with reaching them), as last logged; empty when nothing. */
    private String lastContentProblem = "";

    private void storeProblem(String problem) {
        if (!problem.equals(lastStoreProblem)) {
            log.warn(problem);
            lastStoreProblem = problem;
        }
    }

    // ---- asking the holder ---------------------------------------------------------------------------

    private void probeLoop() {
        while (running) {
            ClusterSpec spec = spec();
            // A holder that has not confirmed yet is usually a standby being promoted, and clients wait for
            // it: ask often then. A confirmed holder is asked a few times per trust window.
            long periodMs = confirmedHolder() ? Math.max(20, Router.confirmationTrustMs(spec) / 3) : UNCONFIRMED_PROBE_MS;
            long started = clock.nanos();
            probeOnce(spec);
            long leftMs = periodMs - (clock.nanos() - started) / 1_000_000;
            if (leftMs > 0) {
                try {
                    Thread.sleep(leftMs);   // a fixed cadence, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private boolean confirmedHolder() {
        Observed o = observed;
        HolderProbe.Answer a = confirmation;
        return o == null || o.lease == null || o.lease.holder() == null
                || (a != null && a.keeper().equals(o.lease.holder()) && a.epoch() == o.lease.epoch());
    }

    private void probeOnce(ClusterSpec spec) {
        Observed o = observed;
        if (o == null || o.lease == null || o.lease.holder() == null) {
            return;
        }
        String holder = o.lease.holder();
        KeeperStatus status = o.keepers.get(holder);
        if (status == null || status.host() == null || status.httpPort() <= 0) {
            return;
        }
        Duration timeout = Duration.ofMillis(Math.max(50, Router.confirmationTrustMs(spec)));
        HolderProbe.Outcome outcome = probe.ask(holder, o.lease.epoch(), status, timeout);
        HolderProbe.Answer before = confirmation;
        if (outcome instanceof HolderProbe.Confirmed c) {
            confirmation = c.answer();
            if (before == null || !before.keeper().equals(holder)) {
                log.info("keeper {} confirms over HTTP that it holds the primary lease (epoch {})", holder, o.lease.epoch());
            }
        } else if (outcome instanceof HolderProbe.Denied d) {
            if (before != null && before.keeper().equals(holder)) {
                log.warn("keeper {} no longer confirms the primary lease: {}", holder, d.why());
                confirmation = null;
            }
        } else if (outcome instanceof HolderProbe.NoAnswer n) {
            log.debug("keeper {} did not answer GET /lease: {}", holder, n.why());
        }
        decideQuietly();
    }

    // ---- deciding ------------------------------------------------------------------------------------

    private void decideQuietly() {
        try {
            decide();
        } catch (RuntimeException e) {
            log.error("routing decision failed; keeping the last table", e);
        }
    }

    private synchronized void decide() {
        Observed o = observed;
        if (o == null) {
            return;
        }
        LeaseView lease = o.lease == null ? null
                : new LeaseView(o.lease.holder(), o.lease.epoch(), observer.millisSinceChange(store.names().primaryLease()));
        Map<String, KeeperView> keepers = new HashMap<>();
        for (KeeperStatus status : o.keepers.values()) {
            keepers.put(status.name(), new KeeperView(status, observer.millisSinceChange(store.names().keeperLease(status.name()))));
        }
        HolderProbe.Answer a = confirmation;
        Confirmation c = a == null ? null : new Confirmation(a.keeper(), a.epoch(), (clock.nanos() - a.sentAtNanos()) / 1_000_000);
        sink.accept(router.decide(new ClusterView(o.spec, lease, keepers, c)));
    }

    @Override
    public void close() {
        running = false;
        ticker.shutdownNow();
        reader.interrupt();
        prober.interrupt();
        AutoCloseable w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                log.debug("closing the watch: {}", e.toString());
            }
        }
    }
}

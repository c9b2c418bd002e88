package io.pgpilot.keeper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.FailoverRecord;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import io.pgpilot.process.Signal;
import io.pgpilot.keeper.converge.Action;
import io.pgpilot.keeper.converge.Convergence;
import io.pgpilot.keeper.converge.DataState;
import io.pgpilot.keeper.converge.Divergence;
import io.pgpilot.keeper.converge.Situation;
import io.pgpilot.keeper.postgres.Endpoint;
import io.pgpilot.keeper.postgres.Observation;
import io.pgpilot.keeper.postgres.PostgresConfigFiles;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.keeper.postgres.TimelineHistory;
import io.pgpilot.keeper.postgres.WalPosition;
import io.pgpilot.keeper.schema.InternalSchema;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.ParallelReads;
import io.pgpilot.store.PrimaryLease;
import io.pgpilot.store.Read;
import io.pgpilot.store.Write;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One keeper at run time: three threads around one PostgreSQL.
 * <ul>
 *   <li>heartbeat: every renewIntervalMs reads C-spec, C-state, the primary Lease and the keepers' statuses,
 *       renews the primary Lease while this keeper is the planned primary, and publishes this keeper's status;</li>
 *   <li>convergence: decides the next step ({@link Convergence}) and carries it out (the postmaster itself is
 *       started by a thread of its own, see {@code Postmaster}, to which its parent-death signal is tied);</li>
 *   <li>watchdog: every few milliseconds, fences a writable primary whose last renewal is past the renew deadline,
 *       independently of the other two, which may be stuck on a slow API server or a long pg_basebackup.</li>
 * </ul>
 */
public final class Keeper {

    private static final Logger log = LoggerFactory.getLogger(Keeper.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FAST_STOP_BOUND = Duration.ofSeconds(3);
    /** Least time between two heartbeats, so a burst of changes costs a few reads, not a storm. */
    private static final long NUDGE_SPACING_MS = 15;
    /**
     * How often a standby just started is looked at until it streams: the rejoin is over, for the sentinel and
     * the proxy, only once this keeper reports it, and a full heartbeat interval would add up to a second.
     */
    private static final long STREAM_POLL_MS = 20;
    /** For how long after a start that quick look goes on; an upstream that is away gets the normal pace. */
    private static final Duration STREAM_POLL_WINDOW = Duration.ofSeconds(15);
    /**
     * Longest a cleanly stopped primary waits for its successor (see {@link #prepareToFollowSuccessor}); a
     * graceful handoff takes well under a second. Capped by the renew deadline, after which the sentinel acts
     * on the lease anyway.
     */
    private static final long SUCCESSOR_WAIT_MS = 3_000;
    private static final long SUCCESSOR_POLL_MS = 100;
    /** See {@link #awaitingStandby}: a whole convergence pass (a probe, a decision, the heartbeat row), ten a second at most. */
    private static final long STANDBY_POLL_MS = 100;
    private static final Duration STANDBY_POLL_WINDOW = Duration.ofSeconds(10);
    /** How long a fencing fast shutdown may take before it escalates to immediate. */
    private static final Duration FENCE_ESCALATION = Duration.ofMillis(500);

    private final KeeperConfig config;
    private final ClusterStore store;
    private final PostgresNode node;
    private final RenewalClock renewal;
    private final DivergenceCheck divergence;
    private final StatusPublication publication;
    private final PrometheusMeterRegistry metrics;
    private final ReentrantLock actionLock = new ReentrantLock();
    private final Object wake = new Object();
    /** Guarded by {@code wake}: a fresh view awaits the convergence thread. */
    private boolean convergeRequested;
    /** Wakes the heartbeat early when something significant changed in the cluster or in this keeper. */
    private final Object beat = new Object();
    private volatile boolean nudged;
    private long lastFullBeatNanos;
    /** Longest the watch waits for the first convergence; see {@link #watchAfterFirstConvergence}. */
    static final Duration WATCH_DEFERRAL = Duration.ofSeconds(3);
    /** Longest the first heartbeat's publication waits for the first decision. */
    private static final long FIRST_PASS_WAIT_MS = 1_000;
    /** Guards {@link #watch}: opened by {@link #watchAfterFirstConvergence}, closed by {@link #shutdown}. */
    private final Object watchLock = new Object();
    private AutoCloseable watch;
    private final java.util.concurrent.CountDownLatch firstConverged = new java.util.concurrent.CountDownLatch(1);
    /** The convergence thread has built a status from its first decision (see {@link #heartbeat}). */
    private final java.util.concurrent.CountDownLatch firstPass = new java.util.concurrent.CountDownLatch(1);
    /** Converged once, and the status saying so (a standby: streaming) published. */
    private final java.util.concurrent.CountDownLatch firstSettled = new java.util.concurrent.CountDownLatch(1);

    private volatile ClusterView view = ClusterView.NOTHING_YET;
    private volatile KeeperStatus status;
    private volatile Observation observation = Observation.unreachable("not started");
    private volatile boolean writable;
    private volatile boolean fenced;
    private volatile boolean stopping;
    private volatile boolean primarySetupDone;
    private boolean schemaWarmedUp;
    private volatile Endpoint following;
    private volatile long followingSinceNanos;
    /** When the watch last reported a significant change; see {@link #awaitingStandby}. */
    private volatile long lastClusterChangeNanos = System.nanoTime() - Duration.ofHours(1).toNanos();
    /** As primary: this server's timeline history, read once per timeline and published in the status. */
    private volatile TimelineHistory ownHistory;
    private volatile String appliedSyncNames = "";
    private volatile String lastDecision = "";
    private volatile String message;
    private volatile MemberState busyState;
    private volatile long lastFenceMillis = -1;
    private volatile String offlineSystemIdentifier;
    /** The read at start failed: the first heartbeat's reading carries the last published status over instead. */
    private volatile boolean carryOverPending;
    /** The reading issued at the process's start, for the first heartbeat to decide on; null once used. */
    private volatile ClusterReading firstReading;
    /** What PostgreSQL was started with before the cluster was read; null once compared with the spec. */
    private volatile EarlyStart.Started startedEarly;
    private String lastCorruptReport;
    private String lastHeartbeatError;
    private Thread heartbeatThread;
    private Thread convergeThread;
    private Thread watchdogThread;

    private final Counter crashes;
    private final Timer fenceTimer;
    private final Map<String, Counter> actionCounters = new HashMap<>();

    public Keeper(KeeperConfig config, ClusterStore store, PostgresNode node, RenewalClock renewal, PrometheusMeterRegistry metrics) {
        this.config = config;
        this.store = store;
        this.node = node;
        this.renewal = renewal;
        this.divergence = new DivergenceCheck(node);
        this.publication = new StatusPublication(store);
        this.metrics = metrics;
        this.status = KeeperStatus.starting(config.name(), config.advertiseHost(), config.pgPort(), config.httpPort())
                .toBuilder().priority(config.priority()).noFailover(config.noFailover()).build();
        this.crashes = Counter.builder("pgpilot_keeper_postgres_crashes").description("postmaster exits the keeper did not ask for").register(metrics);
        this.fenceTimer = Timer.builder("pgpilot_keeper_fence_duration").description("from the renew deadline passing to the postmaster gone").register(metrics);
        Gauge.builder("pgpilot_keeper_is_primary", () -> observation.role() == PostgresRole.PRIMARY ? 1 : 0).register(metrics);
        Gauge.builder("pgpilot_keeper_is_standby", () -> observation.role() == PostgresRole.STANDBY ? 1 : 0).register(metrics);
        Gauge.builder("pgpilot_keeper_fenced", () -> fenced ? 1 : 0).register(metrics);
        Gauge.builder("pgpilot_keeper_lag_bytes", () -> status.lagBytes()).register(metrics);
        Gauge.builder("pgpilot_keeper_lag_seconds", () -> status.lagSeconds()).register(metrics);
        Gauge.builder("pgpilot_keeper_ms_since_lease_renewal", renewal::millisSinceRenewal).register(metrics);
        Gauge.builder("pgpilot_keeper_timeline", () -> status.timeline()).register(metrics);
    }

    public String name() {
        return config.name();
    }

    public KeeperStatus status() {
        return status;
    }

    public ClusterView view() {
        return view;
    }

    public boolean fenced() {
        return fenced;
    }

    public long millisSinceRenewal() {
        return renewal.millisSinceRenewal();
    }

    public PrometheusMeterRegistry metrics() {
        return metrics;
    }

    /** This keeper holds the primary Lease at C-state's epoch and is within its renew deadline. */
    public boolean holdsLease() {
        ClusterView v = view;
        return v.leaseHeldAtEpoch(config.name()) && config.name().equals(v.state().primary()) && renewal.isFresh(v.spec().renewDeadlineMs());
    }

    /** A writable primary right now: running out of recovery and holding a valid lease. */
    public boolean isServingPrimary() {
        return node.isRunning() && writable && !fenced && observation.role() == PostgresRole.PRIMARY && holdsLease();
    }

    /** A standby streaming within the spec's lag for reads. */
    public boolean isServingStandby() {
        KeeperStatus s = status;
        return node.isRunning() && observation.role() == PostgresRole.STANDBY && observation.streaming()
                && s.lagBytes() <= view.spec().maxLagForReadsBytes();
    }

    /**
     * Waits until the keeper has converged to its plan once (started, rejoined, promoted...) or {@code max}
     * has passed; true when it converged.
     */
    public boolean awaitFirstConvergence(Duration max) throws InterruptedException {
        return firstConverged.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Waits until the keeper has converged once and published it (a standby once it streams, or once it gave up
     * waiting for its stream), or {@code max} has passed; true when it has. What other members act on is then
     * out, and CPU spent after this point does not delay them.
     */
    public boolean awaitFirstSettled(Duration max) throws InterruptedException {
        return firstSettled.await(max.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the keeper's threads; {@code httpPort} is the port the HTTP API really listens on,
     * {@code atStart} the cluster as read at the process's start (for {@link #carriedOver} and the first
     * heartbeat), and {@code early} what PostgreSQL was started with before that reading (null if it was not).
     */
    public void start(int httpPort, ClusterReading atStart, EarlyStart.Started early) throws IOException {
        firstReading = atStart;
        if (early != null) {
            // Adopted as if this keeper's loop had started it: the first decision then sees a standby that
            // streams from its planned upstream (nothing to do), or one to re-point, stop or promote.
            startedEarly = early;
            following = early.upstream();
            followingSinceNanos = System.nanoTime();
        }
        node.area().prepare();
        if (early == null) {
            node.writePassfile();   // else EarlyStart wrote it a moment ago, before starting PostgreSQL
        }
        offlineSystemIdentifier = node.systemIdentifier();
        divergence.readAhead();
        KeeperStatus fresh = status.toBuilder().httpPort(httpPort).systemIdentifier(offlineSystemIdentifier).build();
        try {
            status = carriedOver(fresh, ParallelReads.join(atStart.keepers()));
        } catch (RuntimeException e) {
            // Nothing is published before the heartbeat has read the cluster, so its first reading can carry
            // it over as well. Given up here, a whole-cluster restart in synchronous mode waited forever: a
            // primary that came back cold and timed out on this read published an empty synchronous set.
            log.warn("cannot read this keeper's last published status yet ({}); carrying it over from the first heartbeat's reading",
                    e.getMessage());
            status = fresh;
            carryOverPending = true;
        }
        heartbeatThread = thread("keeper-heartbeat", this::heartbeatLoop);
        convergeThread = thread("keeper-converge", this::convergeLoop);
        watchdogThread = thread("keeper-fence-watchdog", this::watchdogLoop);
        thread("keeper-watch-opener", this::watchAfterFirstConvergence);
        log.info("keeper {} started {} ms after its process: data directory {}, PostgreSQL on {}:{}, HTTP on {}", config.name(),
                millisSinceProcessStart(), node.area().pgdata(), config.advertiseHost(), config.pgPort(), httpPort);
    }

    /** How long the JVM took to get here: most of a rejoin, so worth a number in the log (-1 if unknown). */
    private static long millisSinceProcessStart() {
        return ProcessHandle.current().info().startInstant().map(at -> Duration.between(at, java.time.Instant.now()).toMillis()).orElse(-1L);
    }

    /**
     * What this member published before the restart about data the restart did not change: where its WAL
     * ends, its final LSN from a clean stop and, if it was the primary, the synchronous set it had applied.
     * The sentinel decides a failover on exactly these; a restarted keeper that published zeros instead would
     * make a whole-cluster restart in synchronous mode wait forever (no standby provably has every commit).
     * Only for the same data directory (system identifier); anything else starts from nothing.
     */
    private KeeperStatus carriedOver(KeeperStatus fresh, List<KeeperRecord> keepers) {
        for (KeeperRecord record : keepers) {
            if (record.keeper().equals(config.name()) && record.status() instanceof Read.Found<KeeperStatus> found
                    && fresh.systemIdentifier() != null && fresh.systemIdentifier().equals(found.value().systemIdentifier())) {
                KeeperStatus before = found.value();
                log.info("carrying over the last published position {} (final LSN {}, synchronous set {}) until PostgreSQL runs",
                        before.receivedLsn(), before.finalLsn(), before.synchronousStandbys());
                return fresh.toBuilder().timeline(before.timeline()).writeLsn(before.writeLsn()).flushLsn(before.flushLsn())
                        .replayLsn(before.replayLsn()).finalLsn(before.finalLsn()).synchronousStandbys(before.synchronousStandbys()).build();
            }
        }
        return fresh;
    }

    /**
     * Opens the watch that nudges the heartbeat on significant changes, with the keeper Pods: when the
     * primary's container dies, the standbys look at their WAL receivers at once and report where their WAL
     * ends, which the sentinel waits for before it promotes one (on the heartbeat alone that took up to an
     * interval). Opened only after the first convergence, or {@link #WATCH_DEFERRAL} into a long one (a
     * clone): its three informers are a few hundred milliseconds of cold code, which a restarted member's
     * rejoin would otherwise wait for. Until then the heartbeat's own reads carry every decision.
     */
    private void watchAfterFirstConvergence() {
        try {
            awaitFirstConvergence(WATCH_DEFERRAL);
        } catch (InterruptedException e) {
            return;
        }
        synchronized (watchLock) {
            if (stopping) {
                return;
            }
            try {
                watch = store.watchSignificant(this::clusterChanged, true);
            } catch (RuntimeException e) {
                log.warn("cannot watch the cluster's objects ({}); reacting on the heartbeat only", e.getMessage());
            }
        }
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ---- heartbeat -----------------------------------------------------------------------------------

    /** The watch saw a significant change: a heartbeat now, and a primary looks at its standbys closely for a while. */
    private void clusterChanged() {
        lastClusterChangeNanos = System.nanoTime();
        nudge();
    }

    /** Asks for a heartbeat now: a decision or a member's condition changed, or this keeper's own did. */
    void nudge() {
        nudged = true;
        synchronized (beat) {
            beat.notifyAll();
        }
    }

    private void heartbeatLoop() {
        while (!stopping) {
            long interval = view.spec().renewIntervalMs();
            long started = System.nanoTime();
            boolean full = started - lastFullBeatNanos >= interval * 1_000_000L;
            if (full) {
                lastFullBeatNanos = started;
            }
            nudged = false;
            try {
                heartbeat(full);
                if (lastHeartbeatError != null) {
                    log.info("heartbeat: the Kubernetes API answers again");
                    lastHeartbeatError = null;
                }
            } catch (RuntimeException e) {
                // One line per kind of failure, not one per heartbeat, while the API server is away.
                if (!String.valueOf(e.getMessage()).equals(lastHeartbeatError)) {
                    log.warn("heartbeat failed, will retry every {} ms: {}", interval, e.getMessage());
                    lastHeartbeatError = String.valueOf(e.getMessage());
                }
            }
            wakeConvergence();
            awaitNextBeat(interval);
        }
    }

    /** Asks the convergence thread for a pass with the view just read. */
    private void wakeConvergence() {
        synchronized (wake) {
            convergeRequested = true;
            wake.notifyAll();
        }
    }

    /** Until the next full heartbeat is due or a nudge comes, and never sooner than a short spacing. */
    private void awaitNextBeat(long interval) {
        pause(NUDGE_SPACING_MS);
        synchronized (beat) {
            while (!stopping && !nudged) {
                long remainingMs = interval - (System.nanoTime() - lastFullBeatNanos) / 1_000_000L;
                if (remainingMs <= 0) {
                    return;
                }
                try {
                    beat.wait(remainingMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Reads the cluster, renews the primary Lease when due, and publishes this keeper's status: always on a
     * full heartbeat, and on a nudged one only when its condition changed since the last publication.
     */
    void heartbeat(boolean full) {
        ClusterView before = view;
        // Nudged by this keeper's own change (it streams now, it stopped, it received a final position): the
        // sentinel, the proxy and a waiting handoff act on exactly this status, so it goes out before the round
        // of reads below rather than after it, and again if it changed once more while it went out (a standby
        // re-pointed a moment ago: "running", then "streaming"). Not on the first heartbeat, whose reading
        // decides first.
        for (int i = 0; i < 3 && !full && before != ClusterView.NOTHING_YET && publication.due(status); i++) {
            publication.publish(status);
        }
        ClusterSpec spec = before.spec();
        // The first time, spec is still the default one (1 s): this keeper has read none yet.
        ClusterReading reading = firstReading != null && firstReading.usableAt(System.nanoTime(), spec.renewIntervalMs())
                ? firstReading : ClusterReading.issue(store);
        firstReading = null;
        Read<ClusterSpec> specRead = ParallelReads.join(reading.spec());
        if (specRead instanceof Read.Found<ClusterSpec> found) {
            spec = found.value();
        } else if (specRead instanceof Read.Corrupt<ClusterSpec> corrupt) {
            reportCorrupt(corrupt.describe() + "; keeping the last valid spec");
        }
        ClusterState state = before.state();
        Read<ClusterState> stateRead = ParallelReads.join(reading.state());
        if (stateRead instanceof Read.Found<ClusterState> found) {
            state = found.value();
        } else if (stateRead instanceof Read.Corrupt<ClusterState> corrupt) {
            reportCorrupt(corrupt.describe() + "; keeping the last state read");
        } else {
            state = ClusterState.INITIAL;
        }
        Read<PrimaryLease> leaseRead = ParallelReads.join(reading.lease());
        PrimaryLease lease = leaseRead instanceof Read.Found<PrimaryLease> found ? found.value() : null;
        String me = config.name();
        boolean plannedPrimary = me.equals(state.primary()) && state.planFor(me) != null && state.planFor(me).role() == Role.PRIMARY;
        boolean renewalDue = full || !renewal.isFresh(spec.renewIntervalMs());
        if (!stopping && renewalDue && lease != null && lease.isHeldBy(me) && lease.epoch() == state.epoch() && plannedPrimary) {
            long sent = renewal.now();
            Write<PrimaryLease> renewed = store.renewPrimaryLease(lease, me);
            if (renewed instanceof Write.Written<PrimaryLease> written) {
                renewal.renewed(sent);
                lease = written.value();
            } else if (renewed instanceof Write.Conflict<PrimaryLease> conflict) {
                log.info("primary Lease renewal lost ({}): re-reading next heartbeat", conflict.reason());
            }
        }
        // Read with the rest, before a renewal above: a status read a few milliseconds early is still current
        // for every use below (the statuses are each keeper's own, and the renewal does not change them).
        List<KeeperRecord> records = ParallelReads.join(reading.keepers());
        if (carryOverPending) {
            // Before this keeper's first publication: its own record is still what it published before the restart.
            status = carriedOver(status, records);
            carryOverPending = false;
        }
        Map<String, KeeperStatus> keepers = statuses(records);
        view = new ClusterView(spec, state, lease, keepers);
        // Decide on this reading now, not after the publication below (an API write; on a restarted keeper's
        // first, cold heartbeat that took a few hundred milliseconds of a rejoin).
        wakeConvergence();
        Lsn floor = keepers.entrySet().stream().filter(e -> !e.getKey().equals(me)).map(e -> e.getValue().finalLsn())
                .filter(java.util.Objects::nonNull).max(Lsn::compareTo).orElse(null);
        publication.handoffFloor(floor);
        if (publication.handoffAhead() && observation.role() == PostgresRole.STANDBY && node.isRunning()) {
            // A stopped primary just published where its WAL ends and a switchover waits for a standby to
            // report it: look at this standby's position now instead of at the next convergence pass.
            Observation fresh = node.probe().observe();
            if (fresh.role() == PostgresRole.STANDBY) {
                observation = fresh;
                status = buildStatus(fresh, view, null);
            }
        }
        if (before == ClusterView.NOTHING_YET) {
            // The first publication waits (a heartbeat interval at most) for the first decision on this reading,
            // so that it says what the decision found: a restarted standby whose PostgreSQL already streams
            // (EarlyStart) is published streaming in one cold write, not "initializing" first and then again.
            awaitQuietly(firstPass, Math.min(FIRST_PASS_WAIT_MS, spec.renewIntervalMs()));
        }
        KeeperStatus current = status;
        if (full || publication.due(current)) {
            publication.publish(current);
        }
        if (firstConverged.getCount() == 0 && !awaitingStream() && !publication.due(status)) {
            firstSettled.countDown();
        }
        if (!stopping && lease != null && lease.isHeldBy(me) && lease.epoch() == state.epoch() && !plannedPrimary && !writable
                && (!node.isRunning() || observation.role() == PostgresRole.STANDBY)) {
            // Demoted by plan (a switchover): PostgreSQL is down and the final position is published above, so the
            // lease goes back at once. Not while the lease is ahead of C-state: that is a sentinel mid-transfer.
            Write<PrimaryLease> released = store.releasePrimaryLease(lease, me);
            log.info(released.succeeded() ? "released the primary Lease: C-state plans this keeper as a standby and PostgreSQL has stopped"
                    : "could not release the primary Lease (it changed meanwhile)");
            renewal.forget();
        }
    }

    private void reportCorrupt(String text) {
        if (!text.equals(lastCorruptReport)) {
            log.error(text);
            lastCorruptReport = text;
        }
    }

    /** Primary: the members PostgreSQL sees streaming from it, with their replayed positions. */
    private static Map<String, Lsn> streamingStandbys(Observation obs) {
        Map<String, Lsn> streaming = new TreeMap<>();
        if (obs.role() == PostgresRole.PRIMARY) {
            obs.replicas().stream().filter(r -> "streaming".equals(r.state()) && r.applicationName() != null)
                    .forEach(r -> streaming.put(r.applicationName(), r.replayLsn()));
        }
        return streaming;
    }

    /**
     * A primary shortly after a change in the cluster (a keeper's Pod started, a status changed) while a member
     * planned as its standby does not stream from it: its convergence passes then come every
     * {@link #STANDBY_POLL_MS}, so that a restarted standby is published streaming as soon as its WAL receiver
     * connects, which comes long before its own keeper has started.
     */
    private boolean awaitingStandby() {
        Observation obs = observation;
        if (!writable || obs.role() != PostgresRole.PRIMARY || System.nanoTime() - lastClusterChangeNanos > STANDBY_POLL_WINDOW.toNanos()) {
            return false;
        }
        Map<String, Lsn> streaming = streamingStandbys(obs);
        String me = config.name();
        return view.state().members().entrySet().stream()
                .anyMatch(e -> e.getValue().role() == Role.STANDBY && me.equals(e.getValue().upstream()) && !streaming.containsKey(e.getKey()));
    }

    /** A standby started a moment ago to follow an upstream and not streaming from it yet. */
    private boolean awaitingStream() {
        Observation obs = observation;
        return following != null && obs.role() == PostgresRole.STANDBY && !obs.streaming()
                && System.nanoTime() - followingSinceNanos < STREAM_POLL_WINDOW.toNanos();
    }

    // ---- fencing -------------------------------------------------------------------------------------

    private void watchdogLoop() {
        while (!stopping) {
            if (writable && node.isRunning() && !renewal.isFresh(view.spec().renewDeadlineMs())) {
                fence();
            }
            pause(5);
        }
    }

    /**
     * Stops accepting writes at once: a fast shutdown terminates every session and refuses new ones (no
     * smart shutdown that would let open sessions keep writing), escalating to immediate if it lingers.
     */
    private void fence() {
        long begin = System.nanoTime();
        writable = false;
        fenced = true;
        long age = renewal.millisSinceRenewal();
        log.warn("fencing: last successful lease renewal was {} ms ago, past the renew deadline of {} ms; terminating sessions and stopping PostgreSQL now",
                age, view.spec().renewDeadlineMs());
        var postmaster = node.postmaster();
        if (postmaster != null) {
            postmaster.signal(Signal.INT);
            if (!postmaster.awaitExit(FENCE_ESCALATION)) {
                postmaster.stopImmediate(Duration.ofSeconds(5));
            }
        }
        long tookNanos = System.nanoTime() - begin;
        fenceTimer.record(tookNanos, TimeUnit.NANOSECONDS);
        lastFenceMillis = tookNanos / 1_000_000;
        message = "fenced: lease not renewed for " + age + " ms; PostgreSQL stopped in " + lastFenceMillis + " ms";
        log.warn("fenced: PostgreSQL stopped {} ms after the decision", lastFenceMillis);
        status = buildStatus(Observation.unreachable("fenced"), view, null);
    }

    // ---- convergence ---------------------------------------------------------------------------------

    private void convergeLoop() {
        while (true) {
            if (stopping) {
                return;
            }
            try {
                // Until the first heartbeat has read the cluster there is nothing to decide on (PostgreSQL is
                // down, or runs in recovery as EarlyStart left it); that heartbeat wakes this thread.
                if (view != ClusterView.NOTHING_YET) {
                    convergeOnce();
                }
            } catch (RuntimeException e) {
                log.error("convergence step failed: {}", e.toString(), e);
                message = e.getMessage();
            }
            synchronized (wake) {
                try {
                    // A heartbeat that ended while this pass ran (with the older view) asked for another one: the
                    // flag keeps that request, where a bare notify would be lost and cost a whole interval.
                    if (!convergeRequested) {
                        wake.wait(awaitingStream() ? STREAM_POLL_MS : awaitingStandby() ? STANDBY_POLL_MS : view.spec().renewIntervalMs());
                    }
                    convergeRequested = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    void convergeOnce() {
        if (!actionLock.tryLock()) {
            return;
        }
        try {
            if (stopping) {
                return;
            }
            ClusterView v = view;
            boolean running = node.isRunning();
            if (!running && (writable || following != null)) {
                Integer code = node.postmaster() == null ? null : node.postmaster().exitCode();
                if (!fenced) {
                    crashes.increment();
                    log.warn("postmaster exited unexpectedly (exit code {}): converging again", code);
                }
                writable = false;
                following = null;
            }
            Observation obs = running ? node.probe().observe() : Observation.unreachable("not running");
            observation = obs;
            Situation situation = situation(v, obs, running);
            Action action = Convergence.decide(situation);
            String decision = action.getClass().getSimpleName() + ": " + action.why();
            if (!decision.equals(lastDecision)) {
                log.info("{}", decision);
                lastDecision = decision;
            }
            boolean converged = execute(action, v);
            if (converged) {
                firstConverged.countDown();
            }
            if (!(action instanceof Action.Hold) && !(action instanceof Action.ServePrimary)) {
                obs = node.isRunning() ? node.probe().observe() : Observation.unreachable("not running");
                observation = obs;
            }
            status = buildStatus(obs, v, converged ? v.state().generation() : null);
            firstPass.countDown();
            if (obs.role() == PostgresRole.STANDBY && obs.streaming() && !schemaWarmedUp) {
                schemaWarmedUp = true;
                warmUpSchemaCode();
            }
            if (publication.due(status)) {
                // Promoted, demoted, stopped streaming...: the sentinel and the proxy should hear it now.
                nudge();
            }
        } finally {
            actionLock.unlock();
        }
    }

    /**
     * @param alive whether the postmaster was alive when this pass began. Asked once per pass: asked again
     *              here, a postmaster that died in between was restarted by this pass without the crash
     *              above being counted or logged (it happened in a test, now and then).
     */
    private Situation situation(ClusterView v, Observation obs, boolean alive) {
        String me = config.name();
        ClusterState state = v.state();
        MemberPlan plan = state.planFor(me);
        boolean bootstrap = state.history().stream().anyMatch(r -> r.epoch() == state.epoch() && isBootstrap(r));
        DataState data = node.area().pgdataEmpty() ? DataState.EMPTY : node.area().isStandbyData() ? DataState.STANDBY : DataState.PRIMARY;
        Endpoint upstream = null;
        boolean upstreamPrimary = false;
        if (plan != null && plan.upstream() != null) {
            KeeperStatus up = v.keepers().get(plan.upstream());
            // Only an upstream that reports a running PostgreSQL is worth cloning, rewinding or streaming from.
            if (up != null && up.host() != null && up.port() > 0 && up.role() != PostgresRole.NONE) {
                upstream = new Endpoint(up.host(), up.port());
                upstreamPrimary = up.role() == PostgresRole.PRIMARY;
            }
        }
        PostgresRole running = alive ? (obs.role() == PostgresRole.NONE ? (writable ? PostgresRole.PRIMARY : PostgresRole.STANDBY) : obs.role())
                : PostgresRole.NONE;
        Divergence forked = upstreamPrimary && data != DataState.EMPTY ? divergence.check(upstream, v.keepers().get(plan.upstream()), obs, status.timeline())
                : Divergence.UNKNOWN;
        return new Situation(me, plan, state.primary(), state.epoch(), bootstrap, v.lease(), renewal.isFresh(v.spec().renewDeadlineMs()),
                data, plan != null && plan.reinit() && !reinitDone(state.generation()), running, upstream, upstreamPrimary, following,
                identityProblem(v, data), forked, outdatedSettings(v, alive));
    }

    /**
     * After a start before the cluster was read: whether the spec has changed, while this member was down,
     * a setting PostgreSQL was started with (where it streams from aside, which a re-point changes). Asked
     * until PostgreSQL stops or the settings are found current.
     */
    private boolean outdatedSettings(ClusterView v, boolean alive) {
        EarlyStart.Started early = startedEarly;
        if (early == null) {
            return false;
        }
        boolean outdated = alive && (!PostgresConfigFiles.withoutReplicationTargets(PostgresConfigFiles.postgresqlConf(settings(early.upstream(), v)))
                .equals(PostgresConfigFiles.withoutReplicationTargets(early.settings())) || !PostgresConfigFiles.pgHba(v.spec().pgHba()).equals(early.hba()));
        if (!outdated) {
            startedEarly = null;
        }
        return outdated;
    }

    /** The data directory belongs to another cluster when its system identifier differs from the primary's. */
    private String identityProblem(ClusterView v, DataState data) {
        String primary = v.state().primary();
        if (data == DataState.EMPTY || primary == null || primary.equals(config.name())) {
            return null;
        }
        KeeperStatus p = v.keepers().get(primary);
        String mine = currentSystemIdentifier();
        if (p == null || p.systemIdentifier() == null || mine == null || p.systemIdentifier().equals(mine)) {
            return null;
        }
        return "data directory " + node.area().pgdata() + " has system identifier " + mine + " but the cluster's primary " + primary
                + " has " + p.systemIdentifier() + ": it belongs to another cluster. Move it away or give this keeper its own volume; nothing was changed";
    }

    private String currentSystemIdentifier() {
        if (observation.systemIdentifier() != null) {
            return observation.systemIdentifier();
        }
        return offlineSystemIdentifier;
    }

    private boolean reinitDone(long generation) {
        try {
            return Files.exists(node.area().reinitMarker()) && Long.parseLong(Files.readString(node.area().reinitMarker()).strip()) >= generation;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Carries out one action; returns true when the keeper is converged to the current plan. */
    private boolean execute(Action action, ClusterView v) {
        countAction(action);
        if (!(action instanceof Action.Hold) && !(action instanceof Action.Refuse)) {
            divergence.forget();   // the data or the running state changes
        }
        try {
            if (action instanceof Action.Hold hold) {
                message = null;
                return v.state().planFor(config.name()) != null;
            } else if (action instanceof Action.Refuse refuse) {
                message = refuse.why();
                busyState = MemberState.FAILED;
                return false;
            } else if (action instanceof Action.Stop stop) {
                boolean wasWritablePrimary = writable && !fenced;
                if (wasWritablePrimary && holdsLease()) {
                    // A planned handoff (this keeper still holds a fresh lease, so no one else can be primary):
                    // flush while clients still write, so the shutdown that pauses them is short. Bounded well
                    // inside the renew deadline, which runs out now that this keeper no longer renews.
                    long startedNanos = System.nanoTime();
                    boolean done = node.checkpointWithin(Duration.ofMillis(v.spec().renewDeadlineMs() / 3));
                    log.info("{} before the handoff's shutdown ({} ms)", done ? "checkpoint done" : "checkpoint cut short",
                            (System.nanoTime() - startedNanos) / 1_000_000);
                }
                writable = false;
                following = null;
                node.stopFast(FAST_STOP_BOUND);
                primarySetupDone = false;
                if (wasWritablePrimary) {
                    // A demotion (switchover): say where the WAL ends, so the handoff can wait for exactly that.
                    Lsn finalLsn = finalPosition();
                    status = status.toBuilder().finalLsn(finalLsn).build();
                    log.info("primary stopped cleanly for a handoff; final LSN {}", finalLsn);
                }
                return false;
            } else if (action instanceof Action.Initdb initdb) {
                node.initdb();
                offlineSystemIdentifier = node.systemIdentifier();
                log.info("initdb done: system identifier {}", offlineSystemIdentifier);
                return false;
            } else if (action instanceof Action.Clone clone) {
                busyState = MemberState.CLONING;
                publishQuietly();
                if (clone.discardExisting()) {
                    // The only place a data directory is thrown away, under a recorded reinit decision (invariant 6).
                    log.warn("reinit: discarding data directory {} as C-state generation {} decided", node.area().pgdata(), v.state().generation());
                    io.pgpilot.keeper.postgres.WorkArea.deleteTree(node.area().pgdata());
                    node.area().writePrivate(node.area().reinitMarker(), Long.toString(v.state().generation()));
                }
                node.cloneFrom(clone.upstream(), ObjectNames.replicationSlot(config.name()));
                offlineSystemIdentifier = node.systemIdentifier();
                log.info("clone done from {}: system identifier {}", clone.upstream(), offlineSystemIdentifier);
                return false;
            } else if (action instanceof Action.Rewind rewind) {
                busyState = MemberState.REWINDING;
                publishQuietly();
                node.rewindFrom(rewind.upstream());
                log.info("pg_rewind done onto {}", rewind.upstream());
                return false;
            } else if (action instanceof Action.StartPrimary start) {
                writeConfig(null, v);
                writable = true;
                fenced = false;
                primarySetupDone = false;
                node.start(START_TIMEOUT);
                servePrimary(v);
                return true;
            } else if (action instanceof Action.StartStandby start) {
                writeConfig(start.upstream(), v);
                node.markStandby();
                node.start(START_TIMEOUT);
                following = start.upstream();
                followingSinceNanos = System.nanoTime();
                fenced = false;
                return start.upstream() != null;
            } else if (action instanceof Action.Promote promote) {
                writeConfig(null, v);
                node.reload();
                writable = true;
                fenced = false;
                primarySetupDone = false;
                node.promote(START_TIMEOUT);
                following = null;
                // Observe and publish now rather than after the set-up below (slots, schema): the proxy routes to
                // a lease holder once its status or its HTTP API says it is out of recovery.
                observation = node.probe().observe();
                status = buildStatus(observation, v, null);
                nudge();
                log.info("promoted to primary at epoch {}", v.state().epoch());
                servePrimary(v);
                return true;
            } else if (action instanceof Action.Repoint repoint) {
                writeConfig(repoint.upstream(), v);
                node.reload();
                following = repoint.upstream();
                followingSinceNanos = System.nanoTime();
                log.info("re-pointed to {} by reload, without a restart or a re-clone", repoint.upstream());
                return true;
            } else if (action instanceof Action.ServePrimary serve) {
                servePrimary(v);
                return true;
            }
        } catch (IOException | java.sql.SQLException | RuntimeException e) {
            message = action.getClass().getSimpleName() + " failed: " + e.getMessage();
            log.error("{}", message);
            return false;
        } finally {
            if (!(action instanceof Action.Refuse)) {
                busyState = null;
            }
        }
        return false;
    }

    /**
     * After a clean stop, where this member's WAL ends: the end of the shutdown checkpoint record, which the
     * standbys must have received for the handoff to lose nothing and for this member to follow the next
     * primary without a rewind. The checkpoint's start when the end cannot be read (a standby at exactly
     * that position then lacks the record itself, which costs a rewind, not data).
     */
    private Lsn finalPosition() {
        return divergence.localWalEnd().map(WalPosition::end).orElseGet(node::latestCheckpoint);
    }

    /** In the background, at low priority: see {@link InternalSchema#warmUp}. */
    private void warmUpSchemaCode() {
        Thread t = new Thread(() -> {
            try {
                InternalSchema.warmUp(node.probe().dataSource());
                log.debug("Flyway warmed up for a promotion");
            } catch (RuntimeException e) {
                log.debug("Flyway warm-up failed (a promotion loads it then): {}", e.toString());
            }
        }, "keeper-schema-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private void countAction(Action action) {
        String name = action.getClass().getSimpleName();
        actionCounters.computeIfAbsent(name, n -> Counter.builder("pgpilot_keeper_actions").tag("action", n).register(metrics)).increment();
    }

    /** Once per start as primary: replication user, internal schema; every loop: slots, heartbeat, synchronous set. */
    private void servePrimary(ClusterView v) throws java.sql.SQLException, IOException {
        // Slots first: the standbys can stream (and synchronous commits can complete) only once they exist.
        List<String> slots = new ArrayList<>();
        for (String member : new TreeSet<>(v.state().members().keySet())) {
            if (!member.equals(config.name())) {
                slots.add(ObjectNames.replicationSlot(member));
            }
        }
        List<String> created = node.ensureSlots(slots);
        if (!created.isEmpty()) {
            log.info("created replication slots {} so the other members can stream from this primary", created);
        }
        if (!primarySetupDone) {
            node.createReplicationUser();
            int migrations = InternalSchema.migrate(node.probe().dataSource());
            if (migrations > 0) {
                log.info("migrated internal schema {}: {} migration(s)", InternalSchema.SCHEMA, migrations);
            }
            primarySetupDone = true;
        }
        if (ownHistory == null || ownHistory.timeline() != observation.timeline()) {
            try {
                ownHistory = node.ownHistory();   // published in the status: members coming back check their WAL against it
            } catch (java.sql.SQLException e) {
                log.debug("timeline history not read (next pass): {}", e.getMessage());
            }
        }
        String syncNames = PostgresConfigFiles.synchronousStandbyNames(v.state().synchronousStandbys(), v.state().synchronousQuorum());
        if (!syncNames.equals(appliedSyncNames)) {
            writeConfig(null, v);
            node.reload();
            log.info("synchronous_standby_names set to '{}' as C-state decided", syncNames);
        }
        InternalSchema.beat(node.probe().dataSource(), config.name(), v.state().epoch());
    }

    private void writeConfig(Endpoint upstream, ClusterView v) throws IOException {
        PostgresConfigFiles.Settings settings = settings(upstream, v);
        node.writeConfig(settings, v.spec().pgHba());
        appliedSyncNames = PostgresConfigFiles.synchronousStandbyNames(settings.synchronousStandbys(), settings.synchronousQuorum());
    }

    /** What postgresql.conf says for this member streaming from {@code upstream} (null: as primary). */
    private PostgresConfigFiles.Settings settings(Endpoint upstream, ClusterView v) {
        ClusterState state = v.state();
        boolean primary = upstream == null;
        var area = node.area();
        return new PostgresConfigFiles.Settings(config.name(), config.pgListenHost(), config.pgPort(), area.socketDir(), area.pgHba(),
                area.passfile(), upstream, ObjectNames.replicationSlot(config.name()), primary ? state.synchronousStandbys() : List.of(),
                primary ? state.synchronousQuorum() : 0, v.spec().postgresParameters());
    }

    private void publishQuietly() {
        status = buildStatus(Observation.unreachable("busy"), view, null);
        try {
            publication.publish(status);
        } catch (RuntimeException e) {
            log.debug("status not published: {}", e.getMessage());
        }
    }

    private KeeperStatus buildStatus(Observation obs, ClusterView v, Long generationApplied) {
        MemberPlan plan = v.state().planFor(config.name());
        boolean running = node.isRunning();
        MemberState state;
        if (busyState != null) {
            state = busyState;
        } else if (fenced && !running) {
            state = MemberState.FENCED;
        } else if (!running) {
            state = MemberState.INITIALIZING;
        } else if (obs.role() == PostgresRole.PRIMARY) {
            state = MemberState.RUNNING;
        } else if (obs.role() == PostgresRole.STANDBY) {
            state = obs.streaming() ? MemberState.STREAMING : MemberState.RUNNING;
        } else {
            state = MemberState.INITIALIZING;
        }
        long lagBytes = 0;
        if (obs.role() == PostgresRole.STANDBY && v.state().primary() != null) {
            KeeperStatus primary = v.keepers().get(v.state().primary());
            if (primary != null) {
                lagBytes = primary.receivedLsn().bytesAfter(obs.replayLsn());
            }
        }
        boolean healthy = running && plan != null
                && ((plan.role() == Role.PRIMARY && obs.role() == PostgresRole.PRIMARY && writable)
                || (plan.role() == Role.STANDBY && obs.role() == PostgresRole.STANDBY && obs.streaming()));
        List<String> sync = new ArrayList<>();
        obs.replicas().stream().filter(r -> "sync".equals(r.syncState()) || "quorum".equals(r.syncState())).forEach(r -> sync.add(r.applicationName()));
        KeeperStatus.Builder b = status.toBuilder()
                .role(obs.role())
                .state(state)
                .healthy(healthy)
                .systemIdentifier(obs.systemIdentifier() != null ? obs.systemIdentifier() : offlineSystemIdentifier)
                // Timelines only grow in a cluster; a standby's probe can report an older one after its receiver stops.
                .timeline(obs.role() == PostgresRole.STANDBY ? Math.max(obs.timeline(), status.timeline())
                        : obs.timeline() > 0 ? obs.timeline() : status.timeline())
                .writeLsn(obs.role() == PostgresRole.NONE ? status.writeLsn() : obs.writeLsn())
                .flushLsn(obs.role() == PostgresRole.NONE ? status.flushLsn() : obs.flushLsn())
                .replayLsn(obs.role() == PostgresRole.NONE ? status.replayLsn() : obs.replayLsn())
                .lagBytes(lagBytes)
                .lagSeconds(obs.role() == PostgresRole.STANDBY && obs.heartbeatAgeSeconds() >= 0 ? obs.heartbeatAgeSeconds() : 0)
                .epoch(obs.role() == PostgresRole.PRIMARY && v.lease() != null ? v.lease().epoch() : 0)
                .pid(node.pid())
                .upstream(plan == null ? null : plan.upstream())
                .message(message)
                // Not running: the set last applied still describes the data (see carriedOver).
                .synchronousStandbys(obs.role() == PostgresRole.NONE ? status.synchronousStandbys() : sync)
                .timelineHistory(obs.role() == PostgresRole.PRIMARY && ownHistory != null && ownHistory.timeline() == obs.timeline()
                        ? ownHistory.switchpoints() : Map.of())
                .streamingStandbys(streamingStandbys(obs));
        if (generationApplied != null) {
            b.generationApplied(generationApplied);
        }
        if (running) {
            b.finalLsn(Lsn.ZERO);
        }
        return b.build();
    }

    // ---- graceful stop -------------------------------------------------------------------------------

    /**
     * SIGTERM: a primary stops with a fast shutdown (the last WAL reaches the standbys), publishes its final
     * LSN and then releases the primary Lease so the sentinel can promote at once; a standby just stops.
     */
    public void shutdown() {
        if (stopping) {
            return;
        }
        stopping = true;
        log.info("stopping on request (SIGTERM)");
        synchronized (watchLock) {
            if (watch != null) {
                try {
                    watch.close();
                } catch (Exception e) {
                    log.debug("closing the watch: {}", e.getMessage());
                }
            }
        }
        wakeConvergence();
        join(heartbeatThread);
        boolean locked = false;
        try {
            locked = actionLock.tryLock(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean wasPrimary = writable || observation.role() == PostgresRole.PRIMARY;
        writable = false;
        following = null;
        node.stopFast(Duration.ofSeconds(8));
        Lsn finalLsn = Lsn.ZERO;
        if (wasPrimary) {
            finalLsn = finalPosition();
            log.info("primary stopped cleanly; final LSN {}", finalLsn);
        }
        status = status.toBuilder().role(PostgresRole.NONE).state(MemberState.STOPPED).healthy(false).pid(0).epoch(0)
                .finalLsn(finalLsn).streamingStandbys(Map.of()).message("stopped on request").build();
        try {
            publication.publish(status);
            // Released by whoever holds it, also a fenced primary: PostgreSQL is down, which is what the sentinel needs to know.
            Read<PrimaryLease> lease = store.readPrimaryLease();
            if (lease instanceof Read.Found<PrimaryLease> found && found.value().isHeldBy(config.name())) {
                Write<PrimaryLease> released = store.releasePrimaryLease(found.value(), config.name());
                log.info(released.succeeded() ? "released the primary Lease so a standby can be promoted without waiting for expiry"
                        : "could not release the primary Lease (it changed meanwhile): the sentinel will see it expire");
                renewal.forget();
            }
            if (wasPrimary && !finalLsn.equals(Lsn.ZERO)) {
                prepareToFollowSuccessor();
            }
        } catch (RuntimeException e) {
            log.warn("could not publish the final status or release the lease: {}; the sentinel will see the lease expire", e.getMessage());
        }
        if (locked) {
            actionLock.unlock();
        }
        node.probe().close();
    }

    /**
     * A primary that stopped cleanly (a pod deleted, a rolling restart) waits briefly for the member that
     * takes over and, when this member's WAL ends at or before that member's fork point, leaves its data ready
     * to stream from it: standby.signal and a configuration naming it. Its next start then streams before its
     * keeper has read the cluster ({@link EarlyStart}) instead of after the JVM's start, the bulk of a rejoin.
     * Nothing here can make a second primary (the data only becomes a standby's) or lose a write (only WAL the
     * new primary's timeline contains is followed). Without a successor (a whole-cluster stop: the sentinels
     * stop first and release their election) or with one that lacks some of this WAL, the data stays a
     * primary's, checked against the cluster at the next start as before.
     */
    private void prepareToFollowSuccessor() {
        long waitMs = Math.min(SUCCESSOR_WAIT_MS, view.spec().renewDeadlineMs());
        long deadline = System.nanoTime() + waitMs * 1_000_000L;
        int timeline = status.timeline();
        String stays = "the data stays a primary's until the next start checks it against the cluster";
        try {
            while (true) {
                if (store.readState() instanceof Read.Found<ClusterState> found) {
                    Map<String, KeeperStatus> keepers = statuses(store.listKeepers());
                    Successor successor = Successor.of(config.name(), found.value(), keepers, timeline).orElse(null);
                    if (successor != null) {
                        followIfNotDiverged(successor, new ClusterView(view.spec(), found.value(), null, keepers), timeline);
                        return;
                    }
                }
                if (!store.sentinelLeads()) {
                    log.info("no sentinel leads, so no member takes over now: {}", stays);
                    return;
                }
                if (System.nanoTime() > deadline) {
                    log.info("no member took over within {} ms: {}", waitMs, stays);
                    return;
                }
                pause(SUCCESSOR_POLL_MS);
            }
        } catch (RuntimeException e) {
            log.info("cannot read the cluster ({}): {}", e.getMessage(), stays);
        }
    }

    /** Writes the standby configuration for {@code successor} when this member's WAL is a prefix of its timeline. */
    private void followIfNotDiverged(Successor successor, ClusterView v, int timeline) {
        Divergence forked = divergence.check(successor.endpoint(), successor.status(), Observation.unreachable("stopped"), timeline);
        if (forked == Divergence.DIVERGED) {
            log.info("{} took over without all of this member's WAL: the next start rewinds it first", successor.name());
            return;
        }
        if (forked == Divergence.UNKNOWN) {
            log.info("cannot tell whether {}'s timeline contains all of this member's WAL: the data stays a primary's until the next start checks it",
                    successor.name());
            return;
        }
        try {
            writeConfig(successor.endpoint(), v);
            node.markStandby();
            log.info("prepared to follow {}, which took over on timeline {}: the next start streams from it before reading the cluster",
                    successor.name(), successor.status().timeline());
        } catch (IOException e) {
            log.warn("could not prepare the data to follow {} ({}); the next start checks it against the cluster", successor.name(), e.getMessage());
        }
    }

    private static Map<String, KeeperStatus> statuses(List<KeeperRecord> records) {
        Map<String, KeeperStatus> keepers = new HashMap<>();
        for (KeeperRecord record : records) {
            if (record.status() instanceof Read.Found<KeeperStatus> found) {
                keepers.put(record.keeper(), found.value());
            }
        }
        return Map.copyOf(keepers);
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public long lastFenceMillis() {
        return lastFenceMillis;
    }

    public String lastDecision() {
        return lastDecision;
    }

    /** The record a sentinel writes when it bootstraps: no previous primary, reason "bootstrap…". */
    static boolean isBootstrap(FailoverRecord r) {
        return r.from() == null && r.reason() != null && r.reason().startsWith("bootstrap");
    }
}

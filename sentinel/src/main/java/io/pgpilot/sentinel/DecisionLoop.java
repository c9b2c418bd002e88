package io.pgpilot.sentinel;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.sentinel.election.Leadership;
import io.pgpilot.sentinel.planner.Decision;
import io.pgpilot.sentinel.planner.LeaseAction;
import io.pgpilot.sentinel.planner.Planner;
import io.pgpilot.sentinel.planner.PlannerInput;
import io.pgpilot.sentinel.planner.Reason;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.ParallelReads;
import io.pgpilot.store.PodView;
import io.pgpilot.store.Read;
import io.pgpilot.store.StoreUnavailableException;
import io.pgpilot.store.Write;
import io.pgpilot.time.MonotonicClock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sentinel's loop: read everything, observe, and — only while leading — plan and apply. Applying is
 * lease first, then C-state, each by compare-and-swap; a lost race ends the tick, and the next tick reads
 * again and decides again. Every sentinel observes (so a new leader already knows how long leases have
 * been still), only the leader writes.
 */
public final class DecisionLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionLoop.class);
    static final String COMPONENT = "sentinel";

    private final ClusterStore store;
    private final Leadership leadership;
    private final String identity;
    private final Observations observations;
    private final SpecInForce spec = new SpecInForce();
    /** Watch events closer than this are one tick: long enough for a burst, short next to a handoff. */
    private static final long COALESCE_MS = 15;
    /** Decisions of a cluster with nothing to wait for: routine changes then wait for the timer. */
    private static final Set<Reason> STEADY = EnumSet.of(Reason.PRIMARY_HEALTHY, Reason.PAUSED);
    private final Semaphore nudges = new Semaphore(0);
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile String lastHeadline;
    private volatile Decision lastDecision;
    private volatile long writes;
    private volatile long conflicts;
    private String lastStateProblem;
    /**
     * This sentinel has read a C-state: a missing one afterwards is an object deleted, not a new cluster (a
     * restarted sentinel tells the two apart by the members' data, see {@code Recovery}).
     */
    private boolean lastStateSeen;
    private boolean reportedWaitingForSpec;
    private String lastRejectedSpecEvent;

    public DecisionLoop(ClusterStore store, Leadership leadership, String identity, MonotonicClock clock) {
        this.store = store;
        this.leadership = leadership;
        this.identity = identity;
        this.observations = new Observations(clock, store.names().primaryLease(), store.names()::keeperLease);
    }

    /** The spec in force, if any valid one was ever read. */
    public Optional<ClusterSpec> spec() {
        return spec.valid();
    }

    public Decision lastDecision() {
        return lastDecision;
    }

    /** Writes that succeeded and compare-and-swaps that lost, since start (for tests and /status). */
    public long writes() {
        return writes;
    }

    public long conflicts() {
        return conflicts;
    }

    /**
     * A watch event. A significant change asks for a tick at once. So does any change while this sentinel
     * leads and the cluster is not in its steady state: a handoff waits on the standbys' positions, which
     * are routine heartbeats. In the steady state, the routine (every member's heartbeat, the lease's
     * renewals) waits for the timer's tick: reacting to each cost six reads per heartbeat per sentinel, for
     * no decision. Observing a renewal up to one interval late only makes a lease look older, and its expiry
     * is what the timer's reads decide on anyway.
     */
    public void changed(ClusterStore.Change change) {
        if (change == ClusterStore.Change.SIGNIFICANT || reactsToRoutine()) {
            nudge();
        }
    }

    private boolean reactsToRoutine() {
        Decision last = lastDecision;
        return leadership.mayWrite() && (last == null || !STEADY.contains(last.headline().reason()));
    }

    /** Whether a tick was asked for since the last one began (for tests: the loop takes the request itself). */
    boolean tickRequested() {
        return nudges.availablePermits() > 0;
    }

    /** Asks for a tick soon. */
    public void nudge() {
        if (nudges.availablePermits() == 0) {
            nudges.release();
        }
    }

    /** Ticks until {@link #close()}: every renewIntervalMs of the spec in force, and soon after each nudge. */
    public void run() {
        while (!stopped.get()) {
            try {
                tick();
            } catch (StoreUnavailableException e) {
                observations.readsFailed();
                LOG.warn("sentinel {}: Kubernetes API unavailable, deciding nothing this tick (every lease gets a full duration again once it "
                        + "answers): {}", identity, e.getMessage());
            } catch (RuntimeException e) {
                LOG.error("sentinel {}: tick failed; trying again next tick", identity, e);
            }
            long interval = spec.valid().map(ClusterSpec::renewIntervalMs).orElse(1_000L);
            try {
                if (nudges.tryAcquire(interval, TimeUnit.MILLISECONDS)) {
                    nudges.drainPermits();
                    // Coalesce the burst of watch events one change causes (a lease and a C-state written together).
                    Thread.sleep(Math.min(COALESCE_MS, interval / 4));
                    nudges.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One pass; returns the decision when this sentinel leads and had a spec, else empty. */
    public synchronized Optional<Decision> tick() {
        // Everything a decision reads, at once: a handoff waits on these passes. The statuses only once the primary
        // Lease has been read: a primary's report that it stopped is then at least as new as the Lease version a
        // failover on that report swaps, so a primary that renews after withdrawing the report makes the swap
        // fail (invariant 2).
        var stateReading = ParallelReads.start(store::readState);
        var leaseReading = ParallelReads.start(store::readPrimaryLease);
        var keepersReading = ParallelReads.after(leaseReading, store::listKeepers);
        var podsReading = ParallelReads.start(store::listKeeperPods);
        var requestReading = ParallelReads.start(store::readRequest);
        readSpec();
        Optional<ClusterSpec> current = spec.valid();
        if (current.isEmpty()) {
            if (!reportedWaitingForSpec) {
                reportedWaitingForSpec = true;
                LOG.warn("sentinel {}: no valid spec in ConfigMap {} yet; deciding nothing until one exists (pgpilot config, or create it)",
                        identity, store.names().specConfigMap());
            }
            return Optional.empty();
        }
        reportedWaitingForSpec = false;
        Read<ClusterState> stateRead = ParallelReads.join(stateReading);
        String stateProblem = null;
        if (stateRead instanceof Read.Corrupt<ClusterState> corrupt) {
            stateProblem = "ConfigMap " + store.names().stateConfigMap() + " is unreadable (" + corrupt.problem() + ")";
            if (!stateProblem.equals(lastStateProblem)) {
                LOG.error("sentinel {}: {}; the leader sets it aside and rebuilds C-state from the members", identity, stateProblem);
            }
        } else if (stateRead instanceof Read.Missing<ClusterState> && lastStateSeen) {
            stateProblem = "ConfigMap " + store.names().stateConfigMap() + " was deleted";
        }
        if (stateProblem != null && !stateProblem.equals(lastStateProblem) && leadership.mayWrite()) {
            store.recordEvent(COMPONENT, "StateLost", stateProblem + "; rebuilding it from what the members know", true);
        }
        lastStateProblem = stateProblem;
        lastStateSeen |= stateRead instanceof Read.Found;
        ClusterState state = stateRead instanceof Read.Found<ClusterState> found ? found.value() : ClusterState.INITIAL;
        Read<PrimaryLease> lease = ParallelReads.join(leaseReading);
        List<KeeperRecord> keepers = ParallelReads.join(keepersReading);
        List<PodView> pods = ParallelReads.join(podsReading);
        Read<OperatorRequest> requestRead = ParallelReads.join(requestReading);
        OperatorRequest request = requestRead instanceof Read.Found<OperatorRequest> f ? f.value() : null;
        String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        PlannerInput input = observations.observe(current.get(), state, stateProblem, lease, keepers, pods, request, now);
        if (!leadership.mayWrite()) {
            return Optional.empty();
        }
        Decision decision = Planner.plan(input);
        lastDecision = decision;
        String news = report(decision);
        apply(decision, stateRead, lease, requestRead);
        if (news != null) {
            // After the writes: a handoff should not wait for the Event that records it.
            store.recordEvent(COMPONENT, decision.headline().reason().eventReason(), news, decision.headline().reason().warning());
        }
        return Optional.of(decision);
    }

    private void readSpec() {
        Read<ClusterSpec> read = store.readSpec();
        switch (spec.offer(read)) {
            case ACCEPTED -> LOG.info("sentinel {}: spec in force: {}", identity, spec.valid().map(s -> s.toJson().replaceAll("\\s+", " ")).orElse(""));
            case REJECTED -> {
                Read.Corrupt<ClusterSpec> corrupt = (Read.Corrupt<ClusterSpec>) read;
                LOG.error("sentinel {}: spec refused, {} — {}", identity, corrupt.describe(),
                        spec.valid().isPresent() ? "the last valid spec stays in force" : "no valid spec yet, deciding nothing");
            }
            case MISSING -> {
                LOG.warn("sentinel {}: ConfigMap {} does not exist; {}", identity, store.names().specConfigMap(),
                        spec.valid().isPresent() ? "the last valid spec stays in force" : "waiting for it");
                if (spec.valid().isPresent() && leadership.mayWrite()) {
                    store.recordEvent(COMPONENT, "SpecMissing", "ConfigMap " + store.names().specConfigMap()
                            + " was deleted; the last valid spec stays in force until it is created again (helm upgrade, or kubectl apply)", true);
                }
            }
            case NONE -> { }
        }
        // The Event is the leader's job (one Event, not one per sentinel); a sentinel that becomes leader later still reports it.
        String problem = spec.lastProblem();
        if (problem != null && !problem.equals(lastRejectedSpecEvent) && leadership.mayWrite()) {
            lastRejectedSpecEvent = problem;
            store.recordEvent(COMPONENT, "InvalidSpec", "ConfigMap " + store.names().specConfigMap() + " refused: " + problem
                    + (spec.valid().isPresent() ? "; the last valid spec stays in force" : "; no valid spec yet"), true);
        }
        if (problem == null) {
            lastRejectedSpecEvent = null;
        }
    }

    /**
     * One log line per decision that writes something, or when what the sentinel sees changes; returns that
     * line for the Event recorded after the writes, or null when there is no news.
     */
    private String report(Decision decision) {
        String headline = decision.headline().reason() + (decision.writesAnything() ? "+write" : "");
        boolean news = decision.writesAnything() || !headline.equals(lastHeadline);
        lastHeadline = headline;
        if (!news) {
            return null;
        }
        String line = (decision.writesAnything() ? "decided: " : "observed: ") + describeWrites(decision) + decision.describe();
        if (decision.headline().reason().warning()) {
            LOG.warn("sentinel {}: {}", identity, line);
        } else {
            LOG.info("sentinel {}: {}", identity, line);
        }
        return line;
    }

    private static String describeWrites(Decision decision) {
        StringBuilder out = new StringBuilder();
        if (decision.leaseAction() instanceof LeaseAction.Create create) {
            out.append("grant primary lease to ").append(create.holder()).append(" (epoch ").append(create.epoch()).append("); ");
        } else if (decision.leaseAction() instanceof LeaseAction.Transfer transfer) {
            out.append("move primary lease to ").append(transfer.holder()).append(" (epoch ").append(transfer.epoch()).append("); ");
        }
        if (decision.next() != null) {
            out.append("C-state generation ").append(decision.next().generation()).append(" phase ").append(decision.next().phase()).append("; ");
        }
        return out.toString();
    }

    private void apply(Decision decision, Read<ClusterState> stateRead, Read<PrimaryLease> lease, Read<OperatorRequest> requestRead) {
        if (!(decision.leaseAction() instanceof LeaseAction.None)) {
            if (!leadership.mayWrite()) {
                LOG.warn("sentinel {}: leadership lapsed before the lease write; not writing", identity);
                return;
            }
            Write<PrimaryLease> written;
            if (decision.leaseAction() instanceof LeaseAction.Create create) {
                written = store.createPrimaryLease(create.holder(), create.epoch());
            } else {
                LeaseAction.Transfer transfer = (LeaseAction.Transfer) decision.leaseAction();
                if (!(lease instanceof Read.Found<PrimaryLease> seen) || seen.value().epoch() != transfer.fromEpoch()) {
                    LOG.warn("sentinel {}: the primary lease is not the one planned from; deciding again next tick", identity);
                    return;
                }
                written = store.transferPrimaryLease(seen.value(), transfer.holder(), transfer.epoch());
            }
            if (!succeeded(written, "primary lease")) {
                return;
            }
        }
        if (decision.next() != null) {
            if (!leadership.mayWrite()) {
                LOG.warn("sentinel {}: leadership lapsed before the C-state write; not writing (the next leader adopts the lease holder)", identity);
                return;
            }
            Write<ClusterState> written;
            if (stateRead instanceof Read.Found<ClusterState> found) {
                written = store.updateState(decision.next(), found.resourceVersion());
            } else if (stateRead instanceof Read.Corrupt<ClusterState> corrupt) {
                // Kept for inspection before it is replaced, never silently overwritten.
                String copy = store.setAside(store.names().stateConfigMap());
                LOG.warn("sentinel {}: set the unreadable C-state aside as ConfigMap {} before rebuilding it", identity, copy);
                written = store.updateState(decision.next(), corrupt.resourceVersion());
            } else {
                written = store.createState(decision.next());
            }
            if (!succeeded(written, "C-state generation " + decision.next().generation())) {
                return;
            }
        }
        if (decision.requestAnswer() != null && requestRead instanceof Read.Found<OperatorRequest> found && leadership.mayWrite()) {
            succeeded(store.writeRequest(decision.requestAnswer(), found.resourceVersion()), "request answer");
        }
        for (String keeper : decision.retired()) {
            if (leadership.mayWrite()) {
                store.deleteKeeper(keeper);
                observations.forgetKeeper(store.names().keeperLease(keeper));
            }
        }
    }

    /** True when the write went through; a conflict is logged and ends this tick's writes. */
    private boolean succeeded(Write<?> write, String what) {
        if (write instanceof Write.Conflict<?> conflict) {
            conflicts++;
            LOG.warn("sentinel {}: lost compare-and-swap on {} ({}); reading again and deciding again next tick", identity, what, conflict.reason());
            nudge();
            return false;
        }
        writes++;
        LOG.info("sentinel {}: wrote {}", identity, what);
        return true;
    }

    @Override
    public void close() {
        stopped.set(true);
        nudge();
    }
}

package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.converge.RestartChoice;
import io.pgpilot.keeper.converge.StatusDerivation;
import io.pgpilot.keeper.converge.WritePermission;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.LocalPostgres;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.ParallelReads;
import io.pgpilot.store.Read;
import io.pgpilot.store.StoreUnavailableException;
import io.pgpilot.store.Write;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeper's heartbeat: every renew interval, and sooner when nudged, it reads the cluster (spec, C-state,
 * the primary Lease, the keepers' statuses), renews the primary Lease while it is this member's to keep,
 * gives it back once a switchover has stopped PostgreSQL, and publishes this member's status.
 *
 * <p>What it reads is not taken at its word when it is missing or older than what this member knows: a
 * missing or stale C-state leaves the last one read in force until a sentinel rebuilds it (the primary Lease,
 * not C-state, is what lets a member write), and a primary Lease deleted under a serving primary is re-created
 * by that primary at the epoch it holds.
 */
public final class Heartbeat {

    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
    /** Longest a failsafe round waits for the members' answers (at most a renew interval). */
    private static final Duration FAILSAFE_ASK_TIMEOUT = Duration.ofMillis(1_000);
    /** Longest the first heartbeat's publication waits for the first decision. */
    private static final Duration FIRST_PASS_WAIT = Duration.ofSeconds(1);

    private final Member member;
    private final ClusterStore store;
    private final LocalPostgres postgres;
    private final StatusPublication publication;
    private final Wakeups wakeups;
    private final Milestones milestones;
    private final HighWaterMarks marks;
    private final Failsafe failsafe;

    /** The reading issued at the process's start, for the first heartbeat to decide on; null once used. */
    private volatile ClusterReading firstReading;
    /** The read at start failed: the first heartbeat's reading carries the last published status over instead. */
    private volatile boolean carryOverPending;
    /** The rest: this thread only. */
    private long lastFullBeatNanos;
    /** The last problem reported per object, so that each is logged once while it lasts. */
    private final Map<String, String> reported = new HashMap<>();
    private String lastError;
    /** The primary Lease as this member last renewed it; null when it holds none. */
    private PrimaryLease lastRenewed;
    /**
     * The epoch at which this member's status, as published before this process started, reported it running
     * as the primary; 0 when it did not, and once the choice below is settled.
     */
    private long restartedPrimaryEpoch;
    /** A restarted primary's choice (see {@link RestartChoice}); null until made. */
    private RestartChoice restartChoice;
    private long handOverUntilNanos;

    public Heartbeat(Member member, ClusterStore store, LocalPostgres postgres, StatusPublication publication, Wakeups wakeups, Milestones milestones,
                     HighWaterMarks marks) {
        this.member = member;
        this.store = store;
        this.postgres = postgres;
        this.publication = publication;
        this.wakeups = wakeups;
        this.milestones = milestones;
        this.marks = marks;
        this.failsafe = new Failsafe(member.name());
        publishMarks();
    }

    /** The marks go out with the status (not a change of condition: with the next full heartbeat). */
    private void publishMarks() {
        member.updateStatus(s -> s.toBuilder().epochSeen(marks.epoch()).generationSeen(marks.generation()).build());
    }

    /**
     * Takes the cluster as read at the process's start: the first heartbeat decides on it, and this member's
     * last published status is carried over from it now, or from the first heartbeat's own reading when it
     * cannot be had yet.
     */
    public void begin(ClusterReading atStart) {
        firstReading = atStart;
        try {
            carryOver(ParallelReads.join(atStart.keepers()));
        } catch (RuntimeException e) {
            // Nothing is published before the heartbeat has read the cluster, so its first reading can carry it
            // over as well. Given up here, a whole-cluster restart in synchronous mode would wait forever: a
            // primary that came back cold and timed out on this read would publish an empty synchronous set.
            log.warn("cannot read this keeper's last published status yet ({}); carrying it over from the first heartbeat's reading",
                    e.getMessage());
            carryOverPending = true;
        }
    }

    private void carryOver(List<KeeperRecord> records) {
        KeeperStatus before = records.stream().filter(r -> r.keeper().equals(member.name()) && r.status() instanceof Read.Found<KeeperStatus>)
                .map(r -> r.status().orElseThrow()).findFirst().orElse(null);
        restartedPrimaryEpoch = before != null && before.role() == PostgresRole.PRIMARY ? before.epoch() : 0;
        KeeperStatus current = member.status();
        if (StatusDerivation.carriedOver(current, before) != current) {
            member.updateStatus(fresh -> StatusDerivation.carriedOver(fresh, before));
            log.info("carrying over the last published position {} (final LSN {}, synchronous set {}) until PostgreSQL runs",
                    before.receivedLsn(), before.finalLsn(), before.synchronousStandbys());
        }
    }

    /** A heartbeat now that renews the primary Lease, when this member holds it, whether a renewal is due or not. */
    public void renewSoon() {
        wakeups.requestRenewal();
    }

    /** A heartbeat now: a decision or a member's condition changed, or this keeper's own did. */
    public void nudge() {
        wakeups.nudgeHeartbeat();
    }

    public void run() {
        while (!member.stopping()) {
            long interval = member.view().spec().renewIntervalMs();
            long started = System.nanoTime();
            boolean full = started - lastFullBeatNanos >= interval * 1_000_000L;
            if (full) {
                lastFullBeatNanos = started;
            }
            wakeups.heartbeatBegins();
            try {
                beat(full);
                if (lastError != null) {
                    log.info("heartbeat: the Kubernetes API answers again");
                    lastError = null;
                }
                if (member.inFailsafe()) {
                    member.failsafe(false);
                    log.info("failsafe over: the API server answers again and the primary Lease is renewed at epoch {}",
                            lastRenewed == null ? "-" : lastRenewed.epoch());
                }
            } catch (RuntimeException e) {
                // One line per kind of failure, not one per heartbeat, while the API server is away.
                if (!String.valueOf(e.getMessage()).equals(lastError)) {
                    log.warn("heartbeat failed, will retry every {} ms: {}", interval, e.getMessage());
                    lastError = String.valueOf(e.getMessage());
                }
                if (e instanceof StoreUnavailableException) {
                    failsafeRound();
                }
            }
            wakeups.requestPass();
            wakeups.awaitHeartbeat(lastFullBeatNanos + interval * 1_000_000L, member::stopping);
        }
    }

    /**
     * One heartbeat: reads the cluster, renews the primary Lease when due, and publishes this member's status,
     * always on a full heartbeat and on a nudged one only when its condition changed since the last publication.
     */
    void beat(boolean full) {
        ClusterView before = member.view();
        // Nudged by this keeper's own change (it streams now, it stopped, it received a final position): the
        // sentinel, the proxy and a waiting handoff act on exactly this status, so it goes out before the round
        // of reads below rather than after it, and again if it changed once more while it went out (a standby
        // re-pointed a moment ago: "running", then "streaming"). Not on the first heartbeat, whose reading
        // decides first.
        for (int i = 0; i < 3 && !full && before != ClusterView.NOTHING_YET && publication.due(member.status()); i++) {
            publication.publish(member.status());
        }
        // The first time, the spec is still the default one (1 s): this keeper has read none yet.
        ClusterReading reading = firstReading != null && firstReading.usableAt(System.nanoTime(), before.spec().renewIntervalMs())
                ? firstReading : ClusterReading.issue(store);
        firstReading = null;
        ClusterSpec spec = specFrom(ParallelReads.join(reading.spec()), before.spec());
        ClusterState state = stateFrom(ParallelReads.join(reading.state()), before.state());
        Read<PrimaryLease> leaseRead = ParallelReads.join(reading.lease());
        PrimaryLease lease = leaseRead instanceof Read.Found<PrimaryLease> found ? found.value() : null;
        if (lease != null && marks.raiseEpoch(lease.epoch())) {
            publishMarks();
        }
        if (carryOverPending) {
            // Before this keeper's first publication and renewal: its own record is still what it published before
            // the restart, and a restarted primary's choice below depends on it.
            carryOver(ParallelReads.join(reading.keepers()));
            carryOverPending = false;
        }
        RenewalClock renewal = member.renewal();
        if (leaseRead instanceof Read.Missing<PrimaryLease> && mayRecreate(state, spec)) {
            lease = recreate(lastRenewed);
        }
        WritePermission permission = WritePermission.of(member.name(), state, lease, renewal.isFresh(spec.renewDeadlineMs()));
        boolean renewalAsked = wakeups.takeRenewalRequest();
        if (!member.stopping() && permission.holder() && (full || renewalAsked || !renewal.isFresh(spec.renewIntervalMs()))
                && mayRenewAfterRestart(spec, state, lease, reading)) {
            lease = renew(lease);
        }
        if (!permission.holder()) {
            lastRenewed = null;
        }
        // Read with the rest, before a renewal above: a status read a few milliseconds early is still current
        // for every use below (the statuses are each keeper's own, and the renewal does not change them).
        List<KeeperRecord> records = ParallelReads.join(reading.keepers());
        Map<String, KeeperStatus> keepers = ClusterView.statuses(records);
        ClusterView view = new ClusterView(spec, state, lease, keepers);
        member.view(view);
        // Decide on this reading now, not after the publication below (an API write; on a restarted keeper's
        // first, cold heartbeat that took a few hundred milliseconds of a rejoin).
        wakeups.requestPass();
        lookAtHandoff(view, keepers);
        if (before == ClusterView.NOTHING_YET) {
            // The first publication waits (a heartbeat interval at most) for the first decision on this reading,
            // so that it says what the decision found: a restarted standby whose PostgreSQL already streams
            // (EarlyStart) is published streaming in one cold write, not "initializing" first and then again.
            milestones.awaitFirstPass(Duration.ofMillis(Math.min(FIRST_PASS_WAIT.toMillis(), spec.renewIntervalMs())));
        }
        KeeperStatus current = member.status();
        if (full || publication.due(current)) {
            publication.publish(current);
        }
        if (milestones.hasConverged() && !member.awaitingStream() && !publication.due(member.status())) {
            milestones.settled();
        }
        if (!member.stopping() && permission.returns() && !member.isWritable()
                && (!postgres.isRunning() || member.observation().role() == PostgresRole.STANDBY)) {
            // Demoted by plan (a switchover): PostgreSQL is down and the final position is published above, so the
            // lease goes back at once.
            Write<PrimaryLease> released = store.releasePrimaryLease(lease, member.name());
            log.info(released.succeeded() ? "released the primary Lease: C-state plans this keeper as a standby and PostgreSQL has stopped"
                    : "could not release the primary Lease (it changed meanwhile)");
            renewal.forget();
        }
    }

    /**
     * The API server does not answer: a primary that renewed its Lease in this term, and published which
     * members it would ask, asks them to confirm it and counts the round as a renewal, sent when the round
     * was, when every one does.
     */
    private void failsafeRound() {
        ClusterView v = member.view();
        if (!v.spec().failsafe() || member.stopping() || !member.isWritable() || lastRenewed == null || !member.permission(v).holder()) {
            return;
        }
        Set<String> published = publication.failsafeMembersPublished();
        if (published.isEmpty()) {
            // A sentinel may promote any member while this primary's status lists none: failsafe would not be safe.
            report("failsafe", "failsafe: this primary has not published the members it would ask yet: it fences at its renew deadline");
            return;
        }
        RenewalClock renewal = member.renewal();
        long sent = renewal.now();
        String refused = failsafe.confirm(v, published, Duration.ofMillis(Math.min(v.spec().renewIntervalMs(), FAILSAFE_ASK_TIMEOUT.toMillis())));
        if (refused == null) {
            renewal.renewed(sent);
            if (!member.inFailsafe()) {
                member.failsafe(true);
                log.warn("failsafe: the API server does not answer and every member confirmed this primary at epoch {}: it keeps accepting writes",
                        v.state().epoch());
            }
            report("failsafe", "");
        } else {
            member.failsafe(false);
            report("failsafe", "failsafe: not every member confirms this primary (" + refused + "): it fences at its renew deadline");
        }
    }

    /**
     * A primary whose keeper restarted with the Lease still its own renews it only when {@link RestartChoice}
     * says to restart in place; when it hands over it leaves the Lease alone, so that the sentinel promotes the
     * standby on the restart's evidence, and renews after all only if no failover came within a lease duration.
     * Any member that is not such a restarted primary renews as usual.
     */
    private boolean mayRenewAfterRestart(ClusterSpec spec, ClusterState state, PrimaryLease lease, ClusterReading reading) {
        if (restartedPrimaryEpoch == 0 || lease == null || lease.epoch() != restartedPrimaryEpoch || member.renewal().millisSinceRenewal() >= 0
                || member.isWritable()) {
            return true;
        }
        if (restartChoice == null) {
            Map<String, KeeperStatus> keepers = ClusterView.statuses(ParallelReads.join(reading.keepers()));
            restartChoice = RestartChoice.of(member.name(), spec, state, keepers, member.status().receivedLsn(), store.sentinelLeads());
            if (!restartChoice.handOver()) {
                log.info("restarted holding the primary Lease at epoch {}: restarting PostgreSQL in place ({})", lease.epoch(), restartChoice.reason());
                restartedPrimaryEpoch = 0;
                return true;
            }
            handOverUntilNanos = System.nanoTime() + spec.leaseDurationMs() * 1_000_000L;
            member.message("restarted after a crash: handing over to " + restartChoice.candidate());
            log.warn("restarted holding the primary Lease at epoch {}: not renewing it, so that a sentinel promotes {} ({}); restarting in place "
                    + "only if no failover comes within {} ms", lease.epoch(), restartChoice.candidate(), restartChoice.reason(), spec.leaseDurationMs());
            return false;
        }
        if (System.nanoTime() - handOverUntilNanos < 0) {
            return false;
        }
        log.warn("no failover came within {} ms of handing over to {}: renewing the primary Lease and restarting PostgreSQL in place",
                spec.leaseDurationMs(), restartChoice.candidate());
        member.message(null);
        restartedPrimaryEpoch = 0;
        return true;
    }

    private PrimaryLease renew(PrimaryLease lease) {
        RenewalClock renewal = member.renewal();
        long sent = renewal.now();
        Write<PrimaryLease> renewed = store.renewPrimaryLease(lease, member.name());
        if (renewed instanceof Write.Written<PrimaryLease> written) {
            renewal.renewed(sent);
            lastRenewed = written.value();
            return written.value();
        }
        if (renewed instanceof Write.Conflict<PrimaryLease> conflict) {
            log.info("primary Lease renewal lost ({}): re-reading next heartbeat", conflict.reason());
        }
        return lease;
    }

    /**
     * Whether the primary Lease, found missing, is this member's to re-create: it serves as the primary C-state
     * plans, its last renewal was of the Lease at C-state's epoch and is still within the renew deadline. No
     * one else can then hold the Lease (a sentinel moves it only on the holder's expiry or on evidence that it
     * stopped, and neither can be true of a primary that renewed a moment ago), so re-creating it at the epoch
     * this member holds continues the same term: no epoch goes back and no write pauses. Anything else — a
     * fenced or restarted member, a Lease deleted in the middle of a transfer — is left to the sentinel.
     */
    private boolean mayRecreate(ClusterState state, ClusterSpec spec) {
        PrimaryLease held = lastRenewed;
        return !member.stopping() && held != null && held.epoch() == state.epoch() && member.isWritable()
                && WritePermission.of(member.name(), state, held, member.renewal().isFresh(spec.renewDeadlineMs())).granted();
    }

    /** Creates the primary Lease again for this member at the epoch it held; null when that lost to another write. */
    private PrimaryLease recreate(PrimaryLease held) {
        RenewalClock renewal = member.renewal();
        long sent = renewal.now();
        Write<PrimaryLease> created = store.createPrimaryLease(member.name(), held.epoch());
        if (created instanceof Write.Written<PrimaryLease> written) {
            renewal.renewed(sent);
            lastRenewed = written.value();
            log.warn("the primary Lease was deleted: re-created it for this member at epoch {}, the epoch it holds; writes go on", held.epoch());
            return written.value();
        }
        log.info("the primary Lease was deleted and re-created by someone else meanwhile: re-reading next heartbeat");
        return null;
    }

    /**
     * A stopped primary published where its WAL ends and a switchover waits for a standby to report it: a
     * standby looks at its own position now instead of at the next convergence pass.
     */
    private void lookAtHandoff(ClusterView view, Map<String, KeeperStatus> keepers) {
        Lsn floor = keepers.entrySet().stream().filter(e -> !e.getKey().equals(member.name())).map(e -> e.getValue().finalLsn())
                .filter(Objects::nonNull).max(Lsn::compareTo).orElse(null);
        publication.handoffFloor(floor);
        if (publication.handoffAhead() && member.observation().role() == PostgresRole.STANDBY && postgres.isRunning()) {
            Observation fresh = postgres.observe();
            if (fresh.role() == PostgresRole.STANDBY) {
                member.observed(fresh);
                member.refreshStatus(fresh, view, null);
            }
        }
    }

    private ClusterSpec specFrom(Read<ClusterSpec> read, ClusterSpec last) {
        if (read instanceof Read.Found<ClusterSpec> found) {
            reported.remove("spec");
            return found.value();
        }
        if (read instanceof Read.Corrupt<ClusterSpec> corrupt) {
            report("spec", corrupt.describe() + "; keeping the last valid spec");
        } else {
            report("spec", "ConfigMap " + store.names().specConfigMap() + " is missing; keeping the last valid spec");
        }
        return last;
    }

    /**
     * The C-state to decide on: the one read when it is current; otherwise the last one read, which stays in
     * force until a sentinel rebuilds it (a missing C-state after this member has read one is an object
     * deleted, not a new cluster).
     */
    private ClusterState stateFrom(Read<ClusterState> read, ClusterState last) {
        if (read instanceof Read.Found<ClusterState> found) {
            String stale = marks.whyStale(found.value());
            if (stale != null) {
                report("state", stale + "; keeping the last state read until a sentinel rebuilds it");
                return last;
            }
            reported.remove("state");
            if (marks.raise(found.value())) {
                publishMarks();
            }
            return found.value();
        }
        if (read instanceof Read.Corrupt<ClusterState> corrupt) {
            report("state", corrupt.describe() + "; keeping the last state read");
            return last;
        }
        if (last != ClusterState.INITIAL) {
            report("state", "ConfigMap " + store.names().stateConfigMap() + " is missing; keeping the last state read until a sentinel rebuilds it");
            return last;
        }
        return ClusterState.INITIAL;
    }

    private void report(String object, String text) {
        if (!text.equals(reported.put(object, text)) && !text.isEmpty()) {
            log.error(text);
        }
    }
}

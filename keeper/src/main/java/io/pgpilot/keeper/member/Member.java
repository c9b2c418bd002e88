package io.pgpilot.keeper.member;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.cluster.Role;
import io.pgpilot.keeper.converge.StatusDerivation;
import io.pgpilot.keeper.converge.StatusFacts;
import io.pgpilot.keeper.converge.WritePermission;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.model.TimelineHistory;
import io.pgpilot.keeper.model.WalPosition;
import io.pgpilot.keeper.postgres.LocalPostgres;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * This member at run time: what the keeper's threads share, and the named transitions by which it becomes
 * writable, is fenced, stops writing and follows an upstream. Each field says which thread writes it; every
 * other thread only reads it.
 *
 * <p>The threads: the heartbeat ({@link Heartbeat}), the convergence loop ({@link ConvergenceLoop}), the fence
 * watchdog ({@link FenceWatchdog}), the watch's callback, the shutdown hook ({@link GracefulStop}) and the
 * HTTP API's request threads, which only read.
 */
public final class Member {

    /** How long a standby just started counts as "about to stream" ({@link #awaitingStream}). */
    static final Duration STREAM_POLL_WINDOW = Duration.ofSeconds(15);

    private final String name;
    private final LocalPostgres postgres;
    private final RenewalClock renewal;

    /** Written by the heartbeat: the cluster as it last read it. */
    private volatile ClusterView view = ClusterView.NOTHING_YET;
    /** Written by the convergence loop (each pass's probe) and the heartbeat (a probe while a handoff waits). */
    private volatile Observation observation = Observation.unreachable("not started");
    /**
     * Whether PostgreSQL may accept writes by this keeper's leave, and whether the watchdog took it away.
     * Changed only by {@link #becomeWritable} and {@link #stopWriting} (the convergence loop, the shutdown
     * hook) and {@link #fence} (the watchdog), under this object's lock.
     */
    private boolean writable;
    private boolean fenced;
    /**
     * Written by the convergence loop (at the start: for a PostgreSQL started early; cleared by the shutdown
     * hook): the upstream a started standby streams from (null: none), and since when.
     */
    private volatile Endpoint following;
    private volatile long followingSinceNanos;
    /** Written by the convergence loop: what a long action is doing (cloning, rewinding, failed). */
    private volatile MemberState busyState;
    /** Written by the convergence loop, and by the watchdog when it fences: the last error or noteworthy fact. */
    private volatile String message;
    /** Written at the start and by the convergence loop (initdb, clone): the data directory's system identifier read offline. */
    private volatile String offlineSystemIdentifier;
    /** Written by the convergence loop while primary: its own timeline history, published for members coming back. */
    private volatile TimelineHistory ownHistory;
    /** Written by the watch's callback: when it last saw a significant change in the cluster. */
    private volatile long lastClusterChangeNanos = System.nanoTime() - Duration.ofHours(1).toNanos();
    /** Written once, by the shutdown hook. */
    private volatile boolean stopping;
    /** Written by the HTTP API's threads under this object's lock: the failsafe promise this member gave, and to whom. */
    private long promisedUntilNanos = System.nanoTime();
    private String promisedTo;
    /** Written by the heartbeat: writable on the members' confirmations while the API server does not answer. */
    private volatile boolean failsafe;
    /** Written by every thread, always as a whole derivation from the one before ({@link #refreshStatus}). */
    private final AtomicReference<KeeperStatus> status;

    public Member(String name, LocalPostgres postgres, RenewalClock renewal, KeeperStatus initial) {
        this.name = name;
        this.postgres = postgres;
        this.renewal = renewal;
        this.status = new AtomicReference<>(initial);
    }

    public String name() {
        return name;
    }

    public ClusterView view() {
        return view;
    }

    void view(ClusterView read) {
        view = read;
    }

    public KeeperStatus status() {
        return status.get();
    }

    public Observation observation() {
        return observation;
    }

    void observed(Observation probed) {
        observation = probed;
    }

    public RenewalClock renewal() {
        return renewal;
    }

    // ---- the start ------------------------------------------------------------------------------------

    /** PostgreSQL was started in recovery before the cluster was read: adopted as if this keeper had started it. */
    public void adoptEarlyStart(EarlyStart.Started early) {
        follow(early.upstream());
    }

    /** The keeper starts: its HTTP API listens on {@code httpPort}, and the data directory has {@code systemIdentifier} (null: none yet). */
    public void starting(int httpPort, String systemIdentifier) {
        offlineSystemIdentifier = systemIdentifier;
        status.updateAndGet(s -> s.toBuilder().httpPort(httpPort).systemIdentifier(systemIdentifier).build());
    }

    /**
     * Where this member's WAL ends, read offline while PostgreSQL does not run: published with the status, so
     * that a sentinel that has lost C-state, or a whole-cluster restart, can tell which member has the most WAL.
     * What was carried over from before the restart stays when it is further.
     */
    public void walEndReadOffline(WalPosition end) {
        status.updateAndGet(s -> s.role() != PostgresRole.NONE || end.timeline() < s.timeline()
                || (end.timeline() == s.timeline() && !end.end().isAfter(s.receivedLsn()))
                ? s : s.toBuilder().timeline(end.timeline()).writeLsn(end.end()).flushLsn(end.end()).replayLsn(end.end()).build());
    }

    // ---- writing ---------------------------------------------------------------------------------

    /** Whether this member may accept writes now, by the view last read and its own renewal clock (invariant 2). */
    public WritePermission permission() {
        return permission(view);
    }

    /** Whether this member may accept writes by {@code v} and its own renewal clock now. */
    public WritePermission permission(ClusterView v) {
        return WritePermission.of(name, v.state(), v.lease(), renewal.isFresh(v.spec().renewDeadlineMs()));
    }

    /** A writable primary right now: running out of recovery, by this keeper's leave, and holding a valid lease. */
    public boolean isServingPrimary() {
        return postgres.isRunning() && isWritable() && observation.role() == PostgresRole.PRIMARY && permission().granted();
    }

    /** A standby streaming within the spec's lag for reads. */
    public boolean isServingStandby() {
        Observation obs = observation;
        return postgres.isRunning() && obs.role() == PostgresRole.STANDBY && obs.streaming()
                && status().lagBytes() <= view.spec().maxLagForReadsBytes();
    }

    /**
     * PostgreSQL is about to be started or promoted as the primary: this keeper lets it accept writes. Refused
     * while a failsafe promise to another primary runs (see {@link #promise}): that primary may still be
     * writing, and this member must not until the promise is over.
     *
     * @return false when refused; nothing changed
     */
    synchronized boolean becomeWritable() {
        if (promisedUntilNanos - System.nanoTime() > 0) {
            return false;
        }
        writable = true;
        fenced = false;
        following = null;
        return true;
    }

    // ---- failsafe ------------------------------------------------------------------------------------

    /**
     * A primary that cannot reach the API server asks this member to confirm it (failsafe). Confirmed only
     * while this member sees {@code primary} as C-state's primary at {@code epoch}, no other holder of the
     * primary Lease, and is not itself planned as, or becoming, the primary; the confirmation is a promise not
     * to become writable for {@code windowMs} from now, by this member's own clock ({@link #becomeWritable}).
     *
     * @return null when confirmed; otherwise why not, in words
     */
    public synchronized String promise(String primary, long epoch, long windowMs) {
        ClusterView v = view;
        MemberPlan plan = v.state().planFor(name);
        if (writable) {
            return name + " accepts writes itself";
        }
        if (plan == null || plan.role() != Role.STANDBY) {
            return "C-state " + (plan == null ? "has no plan for " + name : "plans " + name + " as the primary");
        }
        if (!primary.equals(v.state().primary()) || epoch != v.state().epoch()) {
            return name + " reads C-state naming " + v.state().primary() + " at epoch " + v.state().epoch() + ", not " + primary + " at " + epoch;
        }
        PrimaryLease lease = v.lease();
        if (lease != null && lease.holder() != null && (!lease.isHeldBy(primary) || lease.epoch() > epoch)) {
            return name + " reads the primary Lease naming " + lease.holder() + " at epoch " + lease.epoch();
        }
        long until = System.nanoTime() + windowMs * 1_000_000L;
        if (until - promisedUntilNanos > 0) {
            promisedUntilNanos = until;
        }
        promisedTo = primary;
        return null;
    }

    /** Null when no failsafe promise runs; otherwise the promise, in words, for the decision's reason. */
    String outstandingPromise() {
        long leftMs;
        String to;
        synchronized (this) {
            leftMs = (promisedUntilNanos - System.nanoTime()) / 1_000_000;
            to = promisedTo;
        }
        return leftMs > 0 ? "promised " + to + " (in failsafe) not to become writable for " + leftMs + " ms more" : null;
    }

    /** Whether this primary keeps writing on its members' confirmations because the API server does not answer. */
    public boolean inFailsafe() {
        return failsafe;
    }

    void failsafe(boolean on) {
        failsafe = on;
    }

    /** PostgreSQL is being stopped, demoted or found dead: nothing this keeper started accepts writes any more. */
    synchronized void stopWriting() {
        writable = false;
    }

    /**
     * The watchdog found the renew deadline passed on a writable primary: from now on it is fenced.
     *
     * @return false when it was not writable (nothing to fence)
     */
    synchronized boolean fence() {
        if (!writable) {
            return false;
        }
        writable = false;
        fenced = true;
        return true;
    }

    /** Writable by this keeper's leave (a fence or a stop takes it away). */
    public synchronized boolean isWritable() {
        return writable;
    }

    /** This keeper started PostgreSQL as a writable primary or a following standby and has not stopped it since. */
    synchronized boolean expectsPostgresRunning() {
        return writable || following != null;
    }

    public synchronized boolean fenced() {
        return fenced;
    }

    /** Whether a writable primary's renewal is past the renew deadline: the watchdog's question. */
    boolean mustFence() {
        return isWritable() && postgres.isRunning() && !renewal.isFresh(view.spec().renewDeadlineMs());
    }

    // ---- following -------------------------------------------------------------------------------

    /** PostgreSQL runs in recovery streaming from {@code upstream} (null: replaying only); no longer a fenced primary. */
    void follow(Endpoint upstream) {
        synchronized (this) {
            fenced = false;
        }
        following = upstream;
        followingSinceNanos = System.nanoTime();
    }

    void stopFollowing() {
        following = null;
    }

    public Endpoint following() {
        return following;
    }

    /** A standby started a moment ago to follow an upstream and not streaming from it yet. */
    boolean awaitingStream() {
        Observation obs = observation;
        return following != null && obs.role() == PostgresRole.STANDBY && !obs.streaming()
                && System.nanoTime() - followingSinceNanos < STREAM_POLL_WINDOW.toNanos();
    }

    // ---- what the convergence loop records -----------------------------------------------------------

    void busy(MemberState state) {
        busyState = state;
    }

    MemberState busyState() {
        return busyState;
    }

    void message(String text) {
        message = text;
    }

    String offlineSystemIdentifier() {
        return offlineSystemIdentifier;
    }

    void offlineSystemIdentifier(String identifier) {
        offlineSystemIdentifier = identifier;
    }

    TimelineHistory ownHistory() {
        return ownHistory;
    }

    void ownHistory(TimelineHistory history) {
        ownHistory = history;
    }

    /** The system identifier PostgreSQL reports, or the one read offline while it does not run. */
    String currentSystemIdentifier() {
        String running = observation.systemIdentifier();
        return running != null ? running : offlineSystemIdentifier;
    }

    void clusterChanged() {
        lastClusterChangeNanos = System.nanoTime();
    }

    long nanosSinceClusterChange() {
        return System.nanoTime() - lastClusterChangeNanos;
    }

    boolean stopping() {
        return stopping;
    }

    /** @return false when a stop was already under way */
    boolean beginStopping() {
        synchronized (this) {
            if (stopping) {
                return false;
            }
            stopping = true;
            return true;
        }
    }

    // ---- status ----------------------------------------------------------------------------------

    /**
     * Derives the status anew from {@code obs} and {@code v} and what this member knows now.
     *
     * @param generationApplied the C-state generation just converged to; null when not converged by this pass
     */
    KeeperStatus refreshStatus(Observation obs, ClusterView v, Long generationApplied) {
        return status.updateAndGet(previous -> StatusDerivation.derive(previous, facts(obs, v, generationApplied)));
    }

    /** A change the derivation does not make: the carry-over at a start, a final LSN, the stopped status. */
    KeeperStatus updateStatus(UnaryOperator<KeeperStatus> change) {
        return status.updateAndGet(change);
    }

    private StatusFacts facts(Observation obs, ClusterView v, Long generationApplied) {
        boolean isWritable;
        boolean isFenced;
        synchronized (this) {
            isWritable = writable;
            isFenced = fenced;
        }
        return new StatusFacts(name, obs, v.state(), v.keepers(), v.lease(), postgres.isRunning(), postgres.pid(), isWritable, isFenced,
                busyState, message, offlineSystemIdentifier, ownHistory, generationApplied);
    }
}

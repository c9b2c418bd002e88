package io.pgpilot.keeper.member;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import io.pgpilot.keeper.converge.Action;
import io.pgpilot.keeper.converge.Convergence;
import io.pgpilot.keeper.converge.StatusDerivation;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.PostgresNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeper's convergence loop: each pass probes PostgreSQL, gathers the situation, decides the next step
 * ({@link Convergence}) and carries it out ({@link ActionExecutor}), then derives the status. A pass runs when
 * the heartbeat has read the cluster, after a renew interval, and more often while a standby just started
 * waits for its stream or a primary waits for a standby to connect.
 */
public final class ConvergenceLoop {

    private static final Logger log = LoggerFactory.getLogger(ConvergenceLoop.class);
    /**
     * How often a standby just started is looked at until it streams: the rejoin is over, for the sentinel and
     * the proxy, only once this keeper reports it, and a full heartbeat interval would add up to a second.
     */
    private static final long STREAM_POLL_MS = 20;
    /** See {@link #awaitingStandby}: a whole pass (a probe, a decision, the heartbeat row), ten a second at most. */
    private static final long STANDBY_POLL_MS = 100;
    private static final Duration STANDBY_POLL_WINDOW = Duration.ofSeconds(10);

    private final Member member;
    private final PostgresNode node;
    private final SituationReader situations;
    private final ActionExecutor executor;
    private final PrimaryDuties primary;
    private final StatusPublication publication;
    private final Heartbeat heartbeat;
    private final Wakeups wakeups;
    private final Milestones milestones;
    private final KeeperMetrics metrics;
    /** Held by a pass while it acts on PostgreSQL, and by the graceful stop, which must not overlap one. */
    private final ReentrantLock actionLock = new ReentrantLock();
    private final RetryPause retry = new RetryPause();
    private String lastDecision = "";

    public ConvergenceLoop(Member member, PostgresNode node, SituationReader situations, ActionExecutor executor, PrimaryDuties primary,
                    StatusPublication publication, Heartbeat heartbeat, Wakeups wakeups, Milestones milestones, KeeperMetrics metrics) {
        this.member = member;
        this.node = node;
        this.situations = situations;
        this.executor = executor;
        this.primary = primary;
        this.publication = publication;
        this.heartbeat = heartbeat;
        this.wakeups = wakeups;
        this.milestones = milestones;
        this.metrics = metrics;
    }

    public void run() {
        while (!member.stopping()) {
            try {
                // Until the first heartbeat has read the cluster there is nothing to decide on (PostgreSQL is
                // down, or runs in recovery as EarlyStart left it); that heartbeat wakes this thread.
                if (member.view() != ClusterView.NOTHING_YET) {
                    pass();
                }
            } catch (RuntimeException e) {
                log.error("convergence step failed: {}", e.toString(), e);
                member.message(e.getMessage());
            }
            try {
                wakeups.awaitPass(member.awaitingStream() ? STREAM_POLL_MS : awaitingStandby() ? STANDBY_POLL_MS : member.view().spec().renewIntervalMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One pass: probe, decide, act, derive the status. Skipped while another pass or the graceful stop acts. */
    void pass() {
        if (!actionLock.tryLock()) {
            return;
        }
        try {
            if (member.stopping()) {
                return;
            }
            ClusterView v = member.view();
            boolean running = node.isRunning();
            if (!running && member.expectsPostgresRunning()) {
                Integer code = node.postmaster() == null ? null : node.postmaster().exitCode();
                if (!member.fenced()) {
                    metrics.crashed();
                    log.warn("postmaster exited unexpectedly (exit code {}): converging again", code);
                }
                member.stopWriting();
                member.stopFollowing();
            }
            Observation obs = probe(running);
            Action action = Convergence.decide(situations.read(v, obs, running));
            String decision = action.name() + ": " + action.why();
            if (!decision.equals(lastDecision)) {
                log.info("{}", decision);
                lastDecision = decision;
            }
            boolean converged = false;
            if (retry.mayRun(action.name(), System.nanoTime())) {
                ActionExecutor.Outcome outcome = executor.execute(action, v);
                converged = outcome == ActionExecutor.Outcome.CONVERGED;
                if (outcome == ActionExecutor.Outcome.FAILED) {
                    log.info("{} is tried again in {} ms", action.name(), retry.failed(action.name(), System.nanoTime()));
                } else {
                    retry.succeeded();
                }
            }
            if (converged) {
                milestones.converged();
            }
            if (action.changesServer()) {
                obs = probe(node.isRunning());
            }
            KeeperStatus status = member.refreshStatus(obs, v, converged ? v.state().generation() : null);
            milestones.passed();
            primary.warmUpOnStandby(obs);
            if (publication.due(status)) {
                // Promoted, demoted, stopped streaming...: the sentinel and the proxy should hear it now.
                heartbeat.nudge();
            }
        } finally {
            actionLock.unlock();
        }
    }

    private Observation probe(boolean running) {
        Observation obs = running ? node.observe() : Observation.unreachable("not running");
        member.observed(obs);
        return obs;
    }

    /**
     * A primary shortly after a change in the cluster (a keeper's Pod started, a status changed) while a member
     * planned as its standby does not stream from it: its passes then come every {@link #STANDBY_POLL_MS}, so
     * that a restarted standby is published streaming as soon as its WAL receiver connects, which comes long
     * before its own keeper has started.
     */
    private boolean awaitingStandby() {
        Observation obs = member.observation();
        if (!member.isWritable() || obs.role() != PostgresRole.PRIMARY || member.nanosSinceClusterChange() > STANDBY_POLL_WINDOW.toNanos()) {
            return false;
        }
        Map<String, Lsn> streaming = StatusDerivation.streamingStandbys(obs);
        String me = member.name();
        return member.view().state().members().entrySet().stream()
                .anyMatch(e -> e.getValue().role() == Role.STANDBY && me.equals(e.getValue().upstream()) && !streaming.containsKey(e.getKey()));
    }

    /**
     * Stops the loop from acting: waits up to {@code max} for a pass under way to finish; true when no pass
     * will act until {@link #resume}.
     */
    boolean pauseForStop(Duration max) {
        try {
            return actionLock.tryLock(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void resume() {
        actionLock.unlock();
    }
}

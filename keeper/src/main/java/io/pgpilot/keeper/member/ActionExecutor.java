package io.pgpilot.keeper.member;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.keeper.converge.Action;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.keeper.postgres.WorkArea;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out the convergence loop's decisions on this member's PostgreSQL, one method per action. Each
 * returns whether the member has converged to the current plan. The convergence loop's thread only.
 */
public final class ActionExecutor {

    private static final Logger log = LoggerFactory.getLogger(ActionExecutor.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration FAST_STOP_BOUND = Duration.ofSeconds(3);
    private static final Duration POST_PROMOTION_CHECKPOINT_BOUND = Duration.ofSeconds(60);

    private final Member member;
    private final PostgresNode node;
    private final DivergenceCheck divergence;
    private final ServerConfiguration configuration;
    private final PrimaryDuties primary;
    private final StatusPublication publication;
    private final Heartbeat heartbeat;
    private final KeeperMetrics metrics;

    public ActionExecutor(Member member, PostgresNode node, DivergenceCheck divergence, ServerConfiguration configuration, PrimaryDuties primary,
                   StatusPublication publication, Heartbeat heartbeat, KeeperMetrics metrics) {
        this.member = member;
        this.node = node;
        this.divergence = divergence;
        this.configuration = configuration;
        this.primary = primary;
        this.publication = publication;
        this.heartbeat = heartbeat;
        this.metrics = metrics;
    }

    /** What carrying out an action came to. */
    enum Outcome {
        /** The member runs as its plan says. */
        CONVERGED,
        /** Done, or refused by a rule, but the member is not where its plan puts it yet. */
        NOT_YET,
        /** The action threw: it is tried again after a pause. */
        FAILED
    }

    /** Carries out {@code action} decided on {@code v}. */
    Outcome execute(Action action, ClusterView v) {
        metrics.acted(action.name());
        if (action.changesServer()) {
            divergence.forget();   // the data or the running state changes: where the WAL ends is read again
        }
        Pass pass = new Pass(v);
        try {
            return action.handledBy(pass) ? Outcome.CONVERGED : Outcome.NOT_YET;
        } catch (Exception e) {
            String message = action.name() + " failed: " + e.getMessage();
            member.message(message);
            log.error("{}", message);
            return Outcome.FAILED;
        } finally {
            if (!pass.refused) {
                member.busy(null);   // a long action is over; a refusal stays FAILED until the next decision differs
            }
        }
    }

    /** One action carried out on the view it was decided on. */
    private final class Pass implements Action.Handler<Boolean> {

        private final ClusterView v;
        private boolean refused;

        Pass(ClusterView v) {
            this.v = v;
        }

        @Override
        public Boolean hold(Action.Hold action) {
            member.message(null);
            return v.state().planFor(member.name()) != null;
        }

        @Override
        public Boolean refuse(Action.Refuse action) {
            member.message(action.why());
            member.busy(MemberState.FAILED);
            refused = true;
            return false;
        }

        @Override
        public Boolean initdb(Action.Initdb action) throws Exception {
            node.initdb();
            member.offlineSystemIdentifier(node.systemIdentifier());
            log.info("initdb done: system identifier {}", member.offlineSystemIdentifier());
            return false;
        }

        @Override
        public Boolean cloneFrom(Action.Clone action) throws Exception {
            publishBusy(MemberState.CLONING);
            if (action.discardExisting()) {
                // The only place a data directory is thrown away, under a recorded reinit decision (invariant 6).
                log.warn("reinit: discarding data directory {} as C-state generation {} decided", node.area().pgdata(), v.state().generation());
                WorkArea.deleteTree(node.area().pgdata());
                node.area().writePrivate(node.area().reinitMarker(), Long.toString(v.state().generation()));
            }
            node.cloneFrom(action.upstream(), ObjectNames.replicationSlot(member.name()));
            member.offlineSystemIdentifier(node.systemIdentifier());
            log.info("clone done from {}: system identifier {}", action.upstream(), member.offlineSystemIdentifier());
            return false;
        }

        @Override
        public Boolean rewind(Action.Rewind action) throws Exception {
            publishBusy(MemberState.REWINDING);
            node.rewindFrom(action.upstream());
            log.info("pg_rewind done onto {}", action.upstream());
            return false;
        }

        @Override
        public Boolean startPrimary(Action.StartPrimary action) throws Exception {
            if (!mayBecomeWritable()) {
                return false;
            }
            configuration.write(null, v);
            primary.reset();
            node.start(START_TIMEOUT);
            primary.serve(v);
            return true;
        }

        @Override
        public Boolean startStandby(Action.StartStandby action) throws Exception {
            configuration.write(action.upstream(), v);
            node.markStandby();
            node.start(START_TIMEOUT);
            member.follow(action.upstream());
            return action.upstream() != null;
        }

        @Override
        public Boolean promote(Action.Promote action) throws Exception {
            if (!mayBecomeWritable()) {
                return false;
            }
            configuration.write(null, v);
            node.reload();
            primary.reset();
            node.promote(START_TIMEOUT);
            // Observe and publish now rather than after the set-up below (slots, schema): the proxy routes to a
            // lease holder once its status or its HTTP API says it is out of recovery.
            member.observed(node.observe());
            member.refreshStatus(member.observation(), v, null);
            heartbeat.nudge();
            log.info("promoted to primary at epoch {}", v.state().epoch());
            checkpointAfterPromotion();
            primary.serve(v);
            return true;
        }

        /**
         * The new timeline reaches this server's control file, and its standbys' restartpoints, only with a
         * checkpoint, and the one PostgreSQL starts after a promotion is spread over minutes. pg_rewind
         * (PostgreSQL 15) takes a standby's timeline from its last restartpoint: a standby that replayed this
         * timeline but no checkpoint on it could not be rewound if this primary failed in turn ("could not
         * find previous WAL record"). An immediate CHECKPOINT now shrinks that window to the checkpoint's own
         * length; it runs beside the convergence loop so that nothing waits for it.
         */
        private void checkpointAfterPromotion() {
            Thread checkpoint = new Thread(() -> {
                long startedNanos = System.nanoTime();
                boolean done = node.checkpointWithin(POST_PROMOTION_CHECKPOINT_BOUND);
                long ms = (System.nanoTime() - startedNanos) / 1_000_000;
                if (done) {
                    log.info("checkpoint after the promotion done in {} ms: standbys can now restart, and be rewound, on the new timeline", ms);
                } else {
                    log.warn("checkpoint after the promotion failed or was cut short after {} ms; PostgreSQL's own spread checkpoint follows", ms);
                }
            }, "keeper-post-promotion-checkpoint");
            checkpoint.setDaemon(true);
            checkpoint.start();
        }

        @Override
        public Boolean repoint(Action.Repoint action) throws Exception {
            configuration.write(action.upstream(), v);
            node.reload();
            member.follow(action.upstream());
            log.info("re-pointed to {} by reload, without a restart or a re-clone", action.upstream());
            return true;
        }

        @Override
        public Boolean servePrimary(Action.ServePrimary action) throws Exception {
            primary.serve(v);
            return true;
        }

        @Override
        public Boolean stop(Action.Stop action) {
            boolean wasWritablePrimary = member.isWritable();
            if (wasWritablePrimary && member.permission().granted()) {
                // A planned handoff (this keeper still holds a fresh lease, so no one else can be primary): flush
                // while clients still write, so the shutdown that pauses them is short. Bounded well inside the
                // renew deadline, which runs out now that this keeper no longer renews.
                long startedNanos = System.nanoTime();
                boolean done = node.checkpointWithin(Duration.ofMillis(v.spec().renewDeadlineMs() / 3));
                log.info("{} before the handoff's shutdown ({} ms)", done ? "checkpoint done" : "checkpoint cut short",
                        (System.nanoTime() - startedNanos) / 1_000_000);
            }
            member.stopWriting();
            member.stopFollowing();
            node.stopFast(FAST_STOP_BOUND);
            primary.reset();
            if (wasWritablePrimary) {
                // A demotion (switchover): say where the WAL ends, so the handoff can wait for exactly that.
                Lsn finalLsn = divergence.finalPosition();
                member.updateStatus(s -> s.toBuilder().finalLsn(finalLsn).build());
                log.info("primary stopped cleanly for a handoff; final LSN {}", finalLsn);
            }
            return false;
        }

        /**
         * The last word before PostgreSQL accepts writes. Refused while a failsafe promise to another primary
         * runs (the decision normally holds first; this closes the moment between the two). And only on a
         * renewal sent after this member last withdrew a status saying PostgreSQL does not write: a sentinel may
         * move the Lease on such a report without waiting for its expiry, reading the Lease before the report,
         * so either its compare-and-swap or this member's renewal fails (invariant 2).
         */
        private boolean mayBecomeWritable() {
            if (!renewedSinceWithdrawingNotWriting()) {
                return false;
            }
            if (member.becomeWritable()) {
                return true;
            }
            String promise = member.outstandingPromise();
            member.message("not yet writable: " + promise);
            log.info("not becoming writable yet: {}", promise);
            return false;
        }

        private boolean renewedSinceWithdrawingNotWriting() {
            if (publication.mayShowNotWriting()) {
                publishBusy(MemberState.INITIALIZING);
                if (publication.mayShowNotWriting()) {
                    log.info("not becoming writable yet: the published status still says PostgreSQL is stopped (it could not be replaced)");
                    return false;
                }
            }
            long withdrawn = publication.notWritingWithdrawnNanos();
            RenewalClock renewal = member.renewal();
            if (renewal.renewedAfter(withdrawn)) {
                return true;
            }
            heartbeat.renewSoon();
            long deadline = System.nanoTime() + v.spec().renewIntervalMs() * 1_000_000L;
            while (!renewal.renewedAfter(withdrawn) && System.nanoTime() - deadline < 0 && !member.stopping()) {
                Waiting.pause(2);
            }
            if (!renewal.renewedAfter(withdrawn) || !member.permission().granted()) {
                log.info("not becoming writable yet: no renewal of the primary Lease since this member said it was stopped");
                return false;
            }
            return true;
        }

        /** A long action begins: the cluster hears what this member is busy with before it starts. */
        private void publishBusy(MemberState state) {
            member.busy(state);
            KeeperStatus status = member.refreshStatus(Observation.unreachable("busy"), member.view(), null);
            try {
                publication.publish(status);
            } catch (RuntimeException e) {
                log.debug("status not published: {}", e.getMessage());
            }
        }
    }
}

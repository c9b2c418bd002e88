package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.converge.Successor;
import io.pgpilot.keeper.model.Divergence;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import io.pgpilot.store.Write;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM: the keeper stops its loops, stops PostgreSQL with a fast shutdown (the last WAL reaches the
 * standbys), publishes where a primary's WAL ends and gives the primary Lease back, so the sentinel can
 * promote at once instead of waiting for the lease to expire; a former primary then prepares to follow the
 * member that takes over. A standby just stops.
 */
public final class GracefulStop {

    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);
    private static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(8);
    /** Longest the stop waits for a convergence pass under way (a start, a clone) to give way. */
    private static final Duration PASS_WAIT = Duration.ofSeconds(10);
    /**
     * Longest a cleanly stopped primary waits for its successor ({@link #prepareToFollowSuccessor}); a graceful
     * handoff takes well under a second. Capped by the renew deadline, after which the sentinel acts on the
     * lease anyway.
     */
    private static final long SUCCESSOR_WAIT_MS = 3_000;
    private static final long SUCCESSOR_POLL_MS = 100;

    private final Member member;
    private final ClusterStore store;
    private final PostgresNode node;
    private final ConvergenceLoop convergence;
    private final StatusPublication publication;
    private final DivergenceCheck divergence;
    private final ServerConfiguration configuration;
    private final ClusterWatch watch;
    private final Wakeups wakeups;

    public GracefulStop(Member member, ClusterStore store, PostgresNode node, ConvergenceLoop convergence, StatusPublication publication,
                 DivergenceCheck divergence, ServerConfiguration configuration, ClusterWatch watch, Wakeups wakeups) {
        this.member = member;
        this.store = store;
        this.node = node;
        this.convergence = convergence;
        this.publication = publication;
        this.divergence = divergence;
        this.configuration = configuration;
        this.watch = watch;
        this.wakeups = wakeups;
    }

    /** Stops this member; {@code heartbeatThread} is waited for so that nothing renews after the release. */
    public void run(Thread heartbeatThread) {
        if (!member.beginStopping()) {
            return;
        }
        log.info("stopping on request (SIGTERM)");
        watch.close();
        wakeups.requestPass();
        wakeups.nudgeHeartbeat();
        Waiting.join(heartbeatThread, 5_000);
        boolean paused = convergence.pauseForStop(PASS_WAIT);
        try {
            boolean wasPrimary = member.isWritable() || member.observation().role() == PostgresRole.PRIMARY;
            member.stopWriting();
            node.disarmFence();
            member.stopFollowing();
            node.stopFast(SHUTDOWN_BOUND);
            Lsn finalLsn = Lsn.ZERO;
            if (wasPrimary) {
                finalLsn = divergence.finalPosition();
                log.info("primary stopped cleanly; final LSN {}", finalLsn);
            }
            Lsn last = finalLsn;
            KeeperStatus stopped = member.updateStatus(s -> s.toBuilder().role(PostgresRole.NONE).state(MemberState.STOPPED).healthy(false).pid(0)
                    .epoch(0).finalLsn(last).streamingStandbys(Map.of()).message("stopped on request").build());
            try {
                publication.publish(stopped);
                releaseLease();
                if (wasPrimary && !finalLsn.equals(Lsn.ZERO)) {
                    prepareToFollowSuccessor();
                }
            } catch (RuntimeException e) {
                log.warn("could not publish the final status or release the lease: {}; the sentinel will see the lease expire", e.getMessage());
            }
        } finally {
            if (paused) {
                convergence.resume();
            }
            node.probe().close();
        }
    }

    /** Released by whoever holds it, also a fenced primary: PostgreSQL is down, which is what the sentinel needs to know. */
    private void releaseLease() {
        Read<PrimaryLease> lease = store.readPrimaryLease();
        if (lease instanceof Read.Found<PrimaryLease> found && found.value().isHeldBy(member.name())) {
            Write<PrimaryLease> released = store.releasePrimaryLease(found.value(), member.name());
            log.info(released.succeeded() ? "released the primary Lease so a standby can be promoted without waiting for expiry"
                    : "could not release the primary Lease (it changed meanwhile): the sentinel will see it expire");
            member.renewal().forget();
        }
    }

    /**
     * A primary that stopped cleanly (a pod deleted, a rolling restart) waits briefly for the member that
     * takes over and, when this member's WAL ends at or before that member's fork point, leaves its data ready
     * to stream from it: standby.signal and a configuration naming it. Its next start then streams before its
     * keeper has read the cluster ({@link EarlyStart}) instead of after the JVM's start, the bulk of a rejoin.
     * Nothing here can make a second primary (the data only becomes a standby's) or lose a write (only WAL the
     * new primary's timeline contains is followed). Without a successor (a whole-cluster stop: the sentinels
     * stop first and release their election) or with one that lacks some of this WAL, the data stays a
     * primary's, checked against the cluster at the next start.
     */
    private void prepareToFollowSuccessor() {
        ClusterView view = member.view();
        long waitMs = Math.min(SUCCESSOR_WAIT_MS, view.spec().renewDeadlineMs());
        long deadline = System.nanoTime() + waitMs * 1_000_000L;
        int timeline = member.status().timeline();
        String stays = "the data stays a primary's until the next start checks it against the cluster";
        try {
            while (true) {
                if (store.readState() instanceof Read.Found<ClusterState> found) {
                    Map<String, KeeperStatus> keepers = ClusterView.statuses(store.listKeepers());
                    Successor successor = Successor.of(member.name(), found.value(), keepers, timeline).orElse(null);
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
                Waiting.pause(SUCCESSOR_POLL_MS);
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
            configuration.write(successor.endpoint(), v);
            node.markStandby();
            log.info("prepared to follow {}, which took over on timeline {}: the next start streams from it before reading the cluster",
                    successor.name(), successor.status().timeline());
        } catch (IOException e) {
            log.warn("could not prepare the data to follow {} ({}); the next start checks it against the cluster", successor.name(), e.getMessage());
        }
    }
}

package io.pgpilot.keeper.member;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.model.Divergence;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.model.TimelineHistory;
import io.pgpilot.keeper.model.WalPosition;
import io.pgpilot.keeper.postgres.PostgresNode;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this member's WAL goes past the point where its (primary) upstream's timeline forked off from
 * it. Asked of a stopped member about to start or rewind (where its WAL ends, read once per stop), and of a
 * running standby that does not stream from an upstream on a newer timeline (its replay position: PostgreSQL
 * then waits forever for a timeline it cannot follow). The upstream's history comes with its status, or is
 * read from it once per timeline.
 * Used by the convergence thread, except {@link #readAhead} at the keeper's start and {@link #localWalEnd} in
 * the shutdown hook, which first takes (or waits 10 s for) the keeper's action lock.
 */
public final class DivergenceCheck {

    private static final Logger log = LoggerFactory.getLogger(DivergenceCheck.class);

    private final PostgresNode node;
    /** Where the WAL here ends while PostgreSQL is stopped: null = not read since it last ran or changed. */
    private volatile CompletableFuture<Optional<WalPosition>> localWalEnd;
    private TimelineHistory upstreamHistory;
    private String upstreamHistoryKey;
    private String lastReport;

    public DivergenceCheck(PostgresNode node) {
        this.node = node;
    }

    /** The data or the running state is about to change (a start, a stop, a rewind...): read the WAL's end again next time. */
    void forget() {
        localWalEnd = null;
    }

    /**
     * Starts reading where the WAL here ends, in the background: at a keeper's start (two tool runs, a few
     * hundred milliseconds on a busy machine) it overlaps the first reads of the cluster instead of following them.
     */
    public void readAhead() {
        if (localWalEnd == null && !node.isRunning()) {
            localWalEnd = CompletableFuture.supplyAsync(this::readLocalWalEnd, task -> {
                Thread t = new Thread(task, "keeper-wal-end");
                t.setDaemon(true);
                t.start();
            });
        }
    }

    /** Calls {@code then} with where the WAL here ends, once {@link #readAhead} has read it (not at all when it could not). */
    public void whenLocalWalEndRead(java.util.function.Consumer<WalPosition> then) {
        CompletableFuture<Optional<WalPosition>> reading = localWalEnd;
        if (reading != null) {
            reading.thenAccept(end -> end.ifPresent(then));
        }
    }

    /**
     * Where the WAL here ends while PostgreSQL is stopped, read once per stop: the final position a stopped
     * primary publishes and the fork-point check that follows it use the same reading.
     */
    Optional<WalPosition> localWalEnd() {
        readAhead();
        CompletableFuture<Optional<WalPosition>> reading = localWalEnd;
        return reading == null ? Optional.empty() : reading.join();
    }

    /**
     * After a clean stop, where this member's WAL ends: the end of the shutdown checkpoint record, which the
     * standbys must have received for the handoff to lose nothing and for this member to follow the next
     * primary without a rewind. The checkpoint's start when the end cannot be read (a standby at exactly
     * that position then lacks the record itself, which costs a rewind, not data).
     */
    Lsn finalPosition() {
        return localWalEnd().map(WalPosition::end).orElseGet(node::latestCheckpoint);
    }

    private Optional<WalPosition> readLocalWalEnd() {
        Optional<WalPosition> end = Optional.ofNullable(node.localWalEnd());
        log.info("local WAL ends at {}", end.map(p -> p.end() + " on timeline " + p.timeline()).orElse("an unknown position (pg_waldump could not tell)"));
        return end;
    }

    /**
     * @param up                the upstream's published status
     * @param reportedTimeline  the timeline this keeper last reported, which never goes down; the probe's can be
     *                          older than the replayed WAL's (after a restart, before the receiver runs)
     */
    Divergence check(Endpoint upstream, KeeperStatus up, Observation obs, int reportedTimeline) {
        WalPosition position;
        if (node.isRunning()) {
            int timeline = Math.max(obs.timeline(), reportedTimeline);
            if (obs.role() != PostgresRole.STANDBY || obs.streaming() || up == null || up.timeline() <= timeline) {
                return Divergence.UNKNOWN;
            }
            position = new WalPosition(timeline, obs.replayLsn());
        } else {
            Optional<WalPosition> end = localWalEnd();
            if (end.isEmpty()) {
                return Divergence.UNKNOWN;
            }
            position = end.get();
        }
        String key = upstream + "@" + (up == null ? 0 : up.timeline());
        TimelineHistory published = published(up);
        if (published != null) {
            upstreamHistory = published;
            upstreamHistoryKey = key;
        } else if (!key.equals(upstreamHistoryKey)) {
            try {
                upstreamHistory = node.historyOf(upstream);
                upstreamHistoryKey = key;
            } catch (IOException e) {
                report(e.getMessage(), e.getMessage() + "; cannot tell whether the WAL here passed its fork point");
                return Divergence.UNKNOWN;
            }
        }
        Divergence divergence = upstreamHistory.divergenceOf(position);
        if (divergence == Divergence.DIVERGED) {
            report(key, "WAL here ends at " + position.end() + " on timeline " + position.timeline() + ", past where " + upstream + "'s timeline "
                    + upstreamHistory.timeline() + " forked off from it (" + upstreamHistory.switchpoints().get(position.timeline())
                    + "): it must be rewound");
        }
        return divergence;
    }

    /**
     * The history the upstream published with its status for the timeline it reports, so that no connection
     * to it is needed; null when it has not published one (just promoted, or an older version).
     */
    private static TimelineHistory published(KeeperStatus up) {
        if (up == null || up.timeline() <= 0) {
            return null;
        }
        if (up.timeline() == 1) {
            return new TimelineHistory(1, java.util.Map.of());   // timeline 1 has no past
        }
        return up.timelineHistory().isEmpty() ? null : new TimelineHistory(up.timeline(), up.timelineHistory());
    }

    /** One line per distinct finding, not one per convergence pass. */
    private void report(String what, String line) {
        if (!String.valueOf(what).equals(lastReport)) {
            log.warn("{}", line);
            lastReport = what;
        }
    }
}

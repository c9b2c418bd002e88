package io.pgpilot.keeper.member;

import io.pgpilot.store.ClusterStore;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch that nudges the heartbeat on significant changes in the cluster, with the keeper Pods: when the
 * primary's container dies, the standbys look at their WAL receivers at once and report where their WAL
 * ends, which the sentinel waits for before it promotes one (on the heartbeat alone that takes up to an
 * interval). Opened only after the first convergence, or {@link #DEFERRAL} into a long one (a clone): its
 * informers are a few hundred milliseconds of cold code, which a restarted member's rejoin would otherwise
 * wait for. Until then the heartbeat's own reads carry every decision.
 */
public final class ClusterWatch {

    private static final Logger log = LoggerFactory.getLogger(ClusterWatch.class);
    /** Longest the watch waits for the first convergence. */
    static final Duration DEFERRAL = Duration.ofSeconds(3);

    private final Member member;
    private final ClusterStore store;
    private final Heartbeat heartbeat;
    private final Milestones milestones;
    /** Guards {@link #watch} and {@link #closed}: opened by its own thread, closed by the shutdown hook. */
    private final Object lock = new Object();
    private AutoCloseable watch;
    private boolean closed;

    public ClusterWatch(Member member, ClusterStore store, Heartbeat heartbeat, Milestones milestones) {
        this.member = member;
        this.store = store;
        this.heartbeat = heartbeat;
        this.milestones = milestones;
    }

    /** Opens the watch once the keeper has converged or {@link #DEFERRAL} has passed; runs on a thread of its own. */
    public void openAfterFirstConvergence() {
        try {
            milestones.awaitFirstConvergence(DEFERRAL);
        } catch (InterruptedException e) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                watch = store.watchSignificant(this::changed, true);
            } catch (RuntimeException e) {
                log.warn("cannot watch the cluster's objects ({}); reacting on the heartbeat only", e.getMessage());
            }
        }
    }

    /** A heartbeat now, and a primary looks at its standbys closely for a while. */
    private void changed() {
        member.clusterChanged();
        heartbeat.nudge();
    }

    void close() {
        synchronized (lock) {
            closed = true;
            if (watch != null) {
                try {
                    watch.close();
                } catch (Exception e) {
                    log.debug("closing the watch: {}", e.getMessage());
                }
            }
        }
    }
}

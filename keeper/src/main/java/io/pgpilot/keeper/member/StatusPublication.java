package io.pgpilot.keeper.member;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Write;
import java.util.Set;
import java.util.TreeSet;

/**
 * This keeper's status Lease: what it last published, and whether a status built since must go out before
 * the next full heartbeat. Shared by the heartbeat, the convergence thread and the shutdown hook.
 */
public final class StatusPublication {

    private final ClusterStore store;
    private String ownLeaseVersion;
    private volatile String publishedCondition = "";
    private volatile Lsn publishedReceived = Lsn.ZERO;
    private volatile Set<String> publishedStreaming = Set.of();
    /**
     * What a sentinel may read as this member's failsafe members now: every list written since the last write
     * known to have gone through, that one included (a failed write may have been applied), and whether any of
     * them was empty. A failsafe round asks at least these members, and only when none was empty.
     */
    private volatile Set<String> failsafeMembersMaybePublished = Set.of();
    private volatile boolean failsafeMembersMaybeNone = true;
    /**
     * Whether the status a sentinel may read now can say PostgreSQL does not write
     * ({@link KeeperStatus#saysNotWriting}); true until this process has published, since the one before it
     * may have said so.
     */
    private volatile boolean mayShowNotWriting = true;
    /** When ({@link System#nanoTime}) the write that withdrew such a status last returned. */
    private volatile long notWritingWithdrawnNanos;
    /** The furthest final position another member published at a clean stop: a handoff may be waiting on it. */
    private volatile Lsn handoffFloor;

    public StatusPublication(ClusterStore store) {
        this.store = store;
    }

    /** Writes the status Lease; a conflict (someone else wrote it) makes the next write read its version first. */
    synchronized void publish(KeeperStatus s) {
        // Before the write: when it fails, whether it was applied is unknown.
        if (s.saysNotWriting()) {
            mayShowNotWriting = true;
        }
        Set<String> maybe = new TreeSet<>(failsafeMembersMaybePublished);
        maybe.addAll(s.failsafeMembers());
        failsafeMembersMaybePublished = Set.copyOf(maybe);
        failsafeMembersMaybeNone |= s.failsafeMembers().isEmpty();
        Write<KeeperStatus> written = store.publishKeeperStatus(s, ownLeaseVersion);
        if (written instanceof Write.Written<KeeperStatus> w) {
            ownLeaseVersion = w.resourceVersion();
            publishedCondition = s.condition();
            publishedReceived = s.receivedLsn();
            publishedStreaming = s.streamingStandbys().keySet();
            if (mayShowNotWriting && !s.saysNotWriting()) {
                notWritingWithdrawnNanos = System.nanoTime();
            }
            mayShowNotWriting = s.saysNotWriting();
            failsafeMembersMaybePublished = Set.copyOf(s.failsafeMembers());
            failsafeMembersMaybeNone = s.failsafeMembers().isEmpty();
        } else {
            ownLeaseVersion = null;
        }
    }

    /**
     * Publish before the next full heartbeat when the condition changed, or when this member has just
     * received the final position a stopped primary published: a switchover waits for exactly that, and
     * a position alone is not part of the condition. Also when the standbys streaming from this primary
     * changed: not a condition (nothing decides on it, so the watchers of the cluster are not woken for
     * it), but what shows a restarted standby streaming before its own keeper has started.
     */
    boolean due(KeeperStatus s) {
        Lsn floor = handoffFloor;
        boolean reachedFloor = floor != null && !floor.isAfter(s.receivedLsn()) && floor.isAfter(publishedReceived);
        return reachedFloor || !s.condition().equals(publishedCondition) || !s.streamingStandbys().keySet().equals(publishedStreaming);
    }

    /**
     * The members a failsafe round must ask at least: every one a sentinel may read in this member's status as
     * one it asks. Empty when that status may list none: a sentinel may then promote any member, so this
     * primary must not go into failsafe.
     */
    Set<String> failsafeMembersPublished() {
        return failsafeMembersMaybeNone ? Set.of() : failsafeMembersMaybePublished;
    }

    /** See {@link #mayShowNotWriting}. */
    boolean mayShowNotWriting() {
        return mayShowNotWriting;
    }

    /**
     * When the last write that replaced a status saying PostgreSQL does not write returned, in
     * {@link System#nanoTime}: a renewal that lets this member write again must be sent after it.
     */
    long notWritingWithdrawnNanos() {
        return notWritingWithdrawnNanos;
    }

    void handoffFloor(Lsn floor) {
        handoffFloor = floor;
    }

    /** True when another member's final position is further than what this one last published as received. */
    boolean handoffAhead() {
        Lsn floor = handoffFloor;
        return floor != null && floor.isAfter(publishedReceived);
    }
}

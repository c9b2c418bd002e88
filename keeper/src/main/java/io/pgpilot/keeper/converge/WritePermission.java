package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.cluster.Role;

/**
 * Whether this member may accept writes: the rule of safety invariant 2, in the one place every part of
 * the keeper asks it (the decision, the heartbeat's renewal and release, the fence, the HTTP API the
 * proxy trusts). A member may write only while all of these hold: C-state plans it as the primary, the
 * primary Lease names it at C-state's epoch or a later one, and its last successful renewal is younger than
 * the renew deadline.
 *
 * <p>A later epoch counts because only a sentinel raises the Lease's epoch, always before C-state, and only
 * ever naming the member that C-state then names: while C-state still says this member at the older epoch,
 * no other member can be named by both.
 *
 * @param planned      C-state names this member primary and plans it as one
 * @param holds        the primary Lease names this member at C-state's epoch or a later one
 * @param atStateEpoch the primary Lease names this member at exactly C-state's epoch
 * @param renewalFresh its last successful renewal is younger than the renew deadline
 * @param whyNot       null when it may write; otherwise the first condition that fails, in words
 */
public record WritePermission(boolean planned, boolean holds, boolean atStateEpoch, boolean renewalFresh, String whyNot) {

    public static WritePermission of(String me, ClusterState state, PrimaryLease lease, boolean renewalFresh) {
        return of(me, state.primary(), state.planFor(me), state.epoch(), lease, renewalFresh);
    }

    /**
     * @param plannedPrimary C-state's primary
     * @param plan           C-state's plan for this member; null when C-state does not name it
     * @param stateEpoch     C-state's epoch
     * @param lease          the primary Lease; null when it does not exist
     */
    public static WritePermission of(String me, String plannedPrimary, MemberPlan plan, long stateEpoch, PrimaryLease lease, boolean renewalFresh) {
        boolean planned = me.equals(plannedPrimary) && plan != null && plan.role() == Role.PRIMARY;
        boolean named = lease != null && lease.isHeldBy(me);
        boolean holds = named && lease.epoch() >= stateEpoch;
        String whyNot;
        if (!planned) {
            whyNot = plannedPrimary == null ? "C-state names no primary"
                    : !plannedPrimary.equals(me) ? "C-state names " + plannedPrimary + " as primary"
                    : "C-state names this member primary but does not plan it as one";
        } else if (!named) {
            whyNot = "the primary Lease is " + (lease == null ? "missing" : lease.isReleased() ? "released" : "held by " + lease.holder());
        } else if (!holds) {
            whyNot = "the primary Lease's epoch " + lease.epoch() + " is behind C-state's epoch " + stateEpoch;
        } else if (!renewalFresh) {
            whyNot = "the last successful lease renewal is older than the renew deadline";
        } else {
            whyNot = null;
        }
        return new WritePermission(planned, holds, named && lease.epoch() == stateEpoch, renewalFresh, whyNot);
    }

    public boolean granted() {
        return whyNot == null;
    }

    /**
     * Planned primary and holding the Lease, fresh or not: the Lease is this member's to keep renewing, also
     * after a fence (a fresh renewal makes it writable again).
     */
    public boolean holder() {
        return planned && holds;
    }

    /**
     * The Lease names this member at C-state's epoch but C-state plans another primary (a switchover): it goes
     * back once PostgreSQL no longer accepts writes. Not when the Lease's epoch is ahead of C-state's: that is
     * a sentinel in the middle of a transfer to this member.
     */
    public boolean returns() {
        return atStateEpoch && !planned;
    }
}

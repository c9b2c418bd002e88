package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.postgres.Endpoint;
import io.pgpilot.store.PrimaryLease;

/**
 * Everything one convergence decision depends on, gathered by the keeper from C-state, the primary Lease,
 * the keepers' statuses and its own PostgreSQL.
 *
 * @param me              this keeper
 * @param plan            C-state's plan for this keeper; null when C-state does not name it
 * @param plannedPrimary  C-state.primary
 * @param stateEpoch      C-state.epoch
 * @param bootstrapEpoch  C-state's history has, for the current epoch, a bootstrap record (from == null)
 * @param lease           the primary Lease; null when it does not exist
 * @param renewalFresh    this keeper's last successful renewal is younger than the renew deadline
 * @param data            what the data directory holds
 * @param reinitPending   the plan says reinit and this keeper has not carried it out for this generation
 * @param running         what PostgreSQL is right now (NONE = not running)
 * @param upstream        where the planned upstream's PostgreSQL listens; null when unknown or it reports no running PostgreSQL
 * @param upstreamPrimary the planned upstream reports a running PostgreSQL out of recovery (during a switchover
 *                        the planned upstream is still a standby for a moment)
 * @param following       the upstream this running standby is configured to stream from
 * @param identityProblem non-null when the data directory belongs to another cluster
 * @param divergence      whether this member's WAL goes past the point where the upstream's timeline forked off
 *                        from it; looked at only with a primary upstream and data here, UNKNOWN otherwise
 * @param outdatedSettings PostgreSQL runs with the settings it was started with before the cluster was read,
 *                        and the spec has changed them since
 */
public record Situation(
        String me,
        MemberPlan plan,
        String plannedPrimary,
        long stateEpoch,
        boolean bootstrapEpoch,
        PrimaryLease lease,
        boolean renewalFresh,
        DataState data,
        boolean reinitPending,
        PostgresRole running,
        Endpoint upstream,
        boolean upstreamPrimary,
        Endpoint following,
        String identityProblem,
        Divergence divergence,
        boolean outdatedSettings) {

    /** All three conditions under which this keeper may accept writes (safety invariant 2). */
    public boolean mayWrite() {
        return whyNotWritable() == null;
    }

    /** Null when this keeper may accept writes; otherwise the first condition that fails, in words. */
    public String whyNotWritable() {
        if (!me.equals(plannedPrimary)) {
            return "C-state names " + (plannedPrimary == null ? "no primary" : plannedPrimary) + " as primary";
        }
        if (lease == null || !lease.isHeldBy(me)) {
            return "the primary Lease is " + (lease == null ? "missing" : lease.isReleased() ? "released" : "held by " + lease.holder());
        }
        if (lease.epoch() != stateEpoch) {
            return "the primary Lease's epoch " + lease.epoch() + " differs from C-state's epoch " + stateEpoch;
        }
        if (!renewalFresh) {
            return "the last successful lease renewal is older than the renew deadline";
        }
        return null;
    }
}

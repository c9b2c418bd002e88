package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.model.Divergence;

/**
 * Everything one convergence decision depends on, gathered by the keeper from C-state, the primary Lease,
 * the keepers' statuses and its own PostgreSQL.
 *
 * @param me              this keeper
 * @param plan            C-state's plan for this keeper; null when C-state does not name it
 * @param stateEpoch      C-state.epoch
 * @param bootstrapEpoch  C-state's history has, for the current epoch, a bootstrap record (from == null)
 * @param permission      whether this keeper may accept writes, and why not
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
 * @param failsafePromise non-null while this member's failsafe promise to another primary runs (it must not
 *                        become writable until it is over), in words
 */
public record Situation(
        String me,
        MemberPlan plan,
        long stateEpoch,
        boolean bootstrapEpoch,
        WritePermission permission,
        DataState data,
        boolean reinitPending,
        PostgresRole running,
        Endpoint upstream,
        boolean upstreamPrimary,
        Endpoint following,
        String identityProblem,
        Divergence divergence,
        boolean outdatedSettings,
        String failsafePromise) {
}

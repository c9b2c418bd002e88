package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import io.pgpilot.keeper.model.Divergence;

/**
 * The keeper's decision: from a {@link Situation} to the one next {@link Action}. Pure, so every case of the
 * role contract is tested by a table, without processes.
 *
 * <p>Rules, safety first: a running primary that may not write is stopped before anything else; initdb only
 * for the planned primary holding the lease in a bootstrap epoch; a data directory is discarded only under
 * a reinit decision (invariant 6); a former primary becomes a standby only through pg_rewind (invariant 5),
 * unless its WAL provably ends at or before the point where the new primary's timeline forked off (then there
 * is nothing to rewind); a standby whose WAL went past that point is rewound too; a member that confirmed
 * another primary in failsafe becomes writable only once that promise has run out (invariant 9).
 */
public final class Convergence {

    private Convergence() {
    }

    public static Action decide(Situation s) {
        if (s.identityProblem() != null) {
            if (s.running() != PostgresRole.NONE) {
                return new Action.Stop(s.identityProblem());
            }
            return new Action.Refuse(s.identityProblem());
        }
        if (s.running() == PostgresRole.STANDBY && s.outdatedSettings()) {
            return new Action.Stop("started in recovery before the cluster was read, with settings the spec has changed since: restart with the new ones");
        }
        if (s.running() == PostgresRole.PRIMARY && !s.permission().granted()) {
            return new Action.Stop("running as primary but may not accept writes: " + s.permission().whyNot());
        }
        if (s.plan() == null) {
            return new Action.Hold("C-state has no plan for this keeper yet");
        }
        return s.plan().role() == Role.PRIMARY ? asPrimary(s) : asStandby(s);
    }

    private static Action asPrimary(Situation s) {
        String whyNot = s.permission().whyNot();
        if (whyNot != null) {
            return new Action.Hold("planned primary, waiting: " + whyNot);
        }
        if (s.failsafePromise() != null && s.running() != PostgresRole.PRIMARY) {
            // The old primary may still write on this member's confirmation until the promise runs out.
            return new Action.Hold("planned primary, waiting: " + s.failsafePromise());
        }
        return switch (s.running()) {
            case PRIMARY -> new Action.ServePrimary("primary holding the lease at epoch " + s.stateEpoch());
            case STANDBY -> new Action.Promote("C-state and the primary Lease name this keeper at epoch " + s.stateEpoch());
            case NONE -> switch (s.data()) {
                case EMPTY -> s.bootstrapEpoch()
                        ? new Action.Initdb("planned primary of a bootstrap epoch " + s.stateEpoch() + " with an empty data directory")
                        : new Action.Hold("refusing initdb: the data directory is empty but epoch " + s.stateEpoch()
                                + " is not a bootstrap; a primary must come from existing data (reinit this keeper as a standby instead)");
                case PRIMARY -> new Action.StartPrimary("planned primary holding the lease; the data directory last ran as primary");
                case STANDBY -> new Action.StartStandby(null, "planned primary with standby data: start in recovery, then promote");
            };
        };
    }

    private static Action asStandby(Situation s) {
        String upstreamName = s.plan().upstream();
        if (s.reinitPending()) {
            if (s.running() != PostgresRole.NONE) {
                return new Action.Stop("reinit decided for this keeper: stop before discarding the data directory");
            }
            if (s.upstream() == null) {
                return new Action.Hold("reinit decided, waiting for upstream " + upstreamName + " to report a running PostgreSQL");
            }
            return new Action.Clone(s.upstream(), true, "reinit decided: discard the data directory and clone from " + upstreamName);
        }
        if (s.upstream() == null) {
            if (s.running() == PostgresRole.NONE && s.data() == DataState.STANDBY) {
                // Running in recovery is harmless (read-only) and makes this member a candidate: after a restart of
                // the whole cluster, or a primary that does not come back, a standby left down could never be
                // promoted and the cluster would wait forever.
                return new Action.StartStandby(null, "standby data, upstream " + upstreamName
                        + " does not report a running PostgreSQL: start in recovery, ready to follow it or to be promoted");
            }
            return new Action.Hold(s.running() == PostgresRole.STANDBY
                    ? "standby, upstream " + upstreamName + " does not report a running PostgreSQL: keep replaying"
                    : "standby, waiting for upstream " + upstreamName + " to report a running PostgreSQL");
        }
        boolean diverged = s.divergence() == Divergence.DIVERGED;
        return switch (s.running()) {
            case STANDBY -> diverged
                    ? new Action.Stop("standby replayed past the point where " + upstreamName + "'s timeline forked off and cannot follow it: "
                            + "stop, then pg_rewind")
                    : s.upstream().equals(s.following())
                    ? new Action.Hold("standby streaming from " + upstreamName)
                    : new Action.Repoint(s.upstream(), "upstream is now " + upstreamName + " at " + s.upstream()
                            + (s.following() == null ? "" : ", was " + s.following()));
            case PRIMARY -> new Action.Stop("planned standby of " + upstreamName + " but running as primary");
            case NONE -> switch (s.data()) {
                case EMPTY -> new Action.Clone(s.upstream(), false, "empty data directory: clone from " + upstreamName);
                case STANDBY -> diverged
                        ? new Action.Rewind(s.upstream(), "standby data past the point where " + upstreamName + "'s timeline forked off: "
                                + "rewind onto it before following it")
                        : new Action.StartStandby(s.upstream(), "standby data: stream from " + upstreamName);
                // The target must be a primary: its new timeline is what the rewind is onto. Rewinding from a
                // switchover target that is still a standby would also force a restartpoint on it (the CHECKPOINT
                // before pg_rewind) right when it is about to be promoted.
                case PRIMARY -> !s.upstreamPrimary()
                        ? new Action.Hold("former primary: waiting for " + upstreamName + " to be promoted before rewinding onto its timeline")
                        : s.divergence() == Divergence.NONE
                        ? new Action.StartStandby(s.upstream(), "former primary whose WAL ends at or before the point where " + upstreamName
                                + "'s timeline forked off: nothing to rewind, stream from it")
                        : new Action.Rewind(s.upstream(), "former primary: rewind onto " + upstreamName + "'s timeline before following it");
            };
        };
    }
}

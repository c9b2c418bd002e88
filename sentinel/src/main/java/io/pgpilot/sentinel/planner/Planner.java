package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.FailoverRecord;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The sentinel's decision: a pure function from what it read and observed to the next C-state, the lease
 * change to make first, and the named reasons. No I/O and no clock: every duration arrives in the input,
 * measured by the sentinel's own monotonic clock, so the same input always gives the same decision.
 *
 * <p>The rules, in the order they are applied, are described in docs/sentinel.md.
 */
public final class Planner {

    private Planner() {
    }

    public static Decision plan(PlannerInput input) {
        return new Planning(input).decide();
    }

    /** One planning pass; holds the input and the findings gathered along the way. */
    private static final class Planning {
        private final PlannerInput in;
        private final ClusterSpec spec;
        private final ClusterState state;
        private final PrimaryLeaseView lease;
        private final ClusterView view;
        private final OperatorRequest request;
        private final List<Finding> findings = new ArrayList<>();
        private final List<String> retired = new ArrayList<>();

        Planning(PlannerInput in) {
            this.in = in;
            this.spec = in.spec();
            this.state = in.state();
            this.lease = in.lease();
            this.view = new ClusterView(in);
            this.request = in.request() != null && in.request().isPending() ? in.request() : null;
        }

        Decision decide() {
            if (spec.pause()) {
                findings.add(new Finding(Reason.PAUSED, "observing only; primary " + state.primary() + ", epoch " + state.epoch()));
                return new Decision(null, LeaseAction.NONE, refuse("the cluster is paused (spec.pause); resume it first"), List.of(), findings);
            }
            String unusable = Recovery.whyUnusable(in);
            if (unusable != null) {
                Decision recovered = Recovery.plan(in, view, findings, unusable);
                if (recovered != null) {
                    return recovered;
                }
            }
            if (request != null && OperatorRequest.ADOPT.equals(request.action())) {
                findings.add(new Finding(Reason.REQUEST_REFUSED, "adopt " + request.id() + ": C-state is in force"));
                return withAnswer(state.primary() == null ? bootstrap() : running(), refuse("C-state is in force"
                        + (state.primary() == null ? "" : " and names " + state.primary() + " as primary")
                        + "; adopt is for a cluster whose C-state was lost (use switchover or failover to change the primary)"));
            }
            if (state.primary() == null) {
                return bootstrap();
            }
            return running();
        }

        // ---- bootstrap ---------------------------------------------------------------------------------

        /** A new cluster: no member has data. */
        private Decision bootstrap() {
            long reporting = in.keepers().values().stream().filter(view::fresh).count();
            if (reporting < spec.replicas()) {
                // A member with data that has not reported yet would be overlooked, and the cluster started afresh beside it.
                return waitWith(Phase.INITIALIZING, new Finding(Reason.WAITING_FOR_KEEPERS, reporting + " of spec.replicas " + spec.replicas()
                        + " keepers have reported; the first primary is chosen once every one has, so that none holding data is overlooked"));
            }
            List<KeeperView> candidates = in.keepers().values().stream()
                    .filter(view::fresh).filter(k -> !k.status().noFailover())
                    .sorted((a, b) -> a.status().priority() != b.status().priority()
                            ? Integer.compare(b.status().priority(), a.status().priority()) : a.name().compareTo(b.name()))
                    .toList();
            if (candidates.isEmpty()) {
                return waitWith(Phase.INITIALIZING, new Finding(Reason.WAITING_FOR_KEEPERS,
                        "no keeper that may become primary has a fresh heartbeat yet"));
            }
            String chosen = candidates.get(0).name();
            Map<String, MemberPlan> members = new HashMap<>();
            for (KeeperView k : in.keepers().values()) {
                if (view.fresh(k)) {
                    members.put(k.name(), k.name().equals(chosen) ? MemberPlan.primary() : MemberPlan.standbyOf(chosen));
                }
            }
            long epoch = Epochs.highest(in) + 1;
            String why = "bootstrap: " + chosen + " runs initdb, chosen among " + candidates.size() + " keepers without data (highest priority, then name)";
            findings.add(new Finding(Reason.BOOTSTRAP, why));
            // Above every generation a member has read: a C-state lost before any member had data leaves its marks.
            ClusterState next = new ClusterState(Epochs.generation(in) + 1, epoch, Phase.NORMAL, why, chosen, members, List.of(), 0, state.history())
                    .withHistory(new FailoverRecord(epoch, null, chosen, why, in.wallClock()));
            return new Decision(next, grant(chosen, epoch), null, List.of(), findings);
        }

        // ---- a cluster with a primary ------------------------------------------------------------------

        private Decision running() {
            String primary = state.primary();
            if (lease.exists() && lease.holder() != null && !lease.holder().equals(primary)) {
                if (lease.epoch() > state.epoch()) {
                    return adoptLeaseHolder();
                }
                return restoreLease("the primary Lease names " + lease.holder() + " at epoch " + lease.epoch() + " but C-state names " + primary
                        + " at epoch " + state.epoch(), Epochs.highest(in) + 1);
            }
            if (lease.exists() && lease.epoch() < state.epoch()) {
                return restoreLease("the primary Lease is at epoch " + lease.epoch() + ", behind C-state's epoch " + state.epoch(), state.epoch());
            }
            Map<String, MemberPlan> members = maintainMembership();
            if (state.phase() == Phase.SWITCHING_OVER) {
                Optional<Decision> switching = continueSwitchover(members);
                if (switching.isPresent()) {
                    return switching.get();
                }
            }
            Optional<Finding> lost = primaryLost();
            if (lost.isPresent()) {
                return failover(lost.get(), members, handoffFloor());
            }
            if (!lease.exists()) {
                // Transient: a primary that serves re-creates it on its next heartbeat (nudged by the deletion itself).
                findings.add(0, new Finding(Reason.PRIMARY_LEASE_MISSING, "the primary Lease was deleted; " + primary + " re-creates it at epoch "
                        + state.epoch() + " if it serves, or it expires " + spec.leaseDurationMs() + " ms after it last changed ("
                        + lease.msSinceChange() + " ms ago) and a standby is promoted"));
                return new Decision(null, LeaseAction.NONE, null, List.of(), findings);
            }
            if (request != null) {
                Optional<Decision> started = startSwitchover(members);
                if (started.isPresent()) {
                    return started.get();
                }
            }
            return upkeep(members);
        }

        /** A lease transferred by a sentinel that then lost its C-state write (crash, conflict): the lease is the truth. */
        private Decision adoptLeaseHolder() {
            String holder = lease.holder();
            String why = "adopted lease holder " + holder + " at epoch " + lease.epoch() + " (C-state still named " + state.primary()
                    + " at epoch " + state.epoch() + ")";
            findings.add(new Finding(Reason.LEASE_HOLDER_ADOPTED, why));
            Map<String, MemberPlan> members = repoint(state.membersCopy(), holder);
            ClusterState next = state.next(Phase.NORMAL, why, holder, lease.epoch(), members, List.of(), 0)
                    .withHistory(new FailoverRecord(lease.epoch(), state.primary(), holder, why, in.wallClock()));
            return new Decision(next, LeaseAction.NONE, null, List.of(), findings);
        }

        /** Scale up (new keepers join as standbys) and scale down (silent keepers leave after the grace period). */
        private Map<String, MemberPlan> maintainMembership() {
            String primary = state.primary();
            Map<String, MemberPlan> members = state.membersCopy();
            for (String member : List.copyOf(members.keySet())) {
                if (member.equals(primary)) {
                    continue;
                }
                KeeperView k = in.keepers().get(member);
                if (k == null || k.msSinceHeartbeat() > spec.departedKeeperGraceMs()) {
                    members.remove(member);
                    retired.add(member);
                    findings.add(new Finding(Reason.KEEPER_RETIRED, member + (k == null ? " has no status Lease" : " has been silent for "
                            + k.msSinceHeartbeat() + " ms (departedKeeperGraceMs " + spec.departedKeeperGraceMs() + ")")
                            + "; its replication slot " + "is dropped by the primary"));
                }
            }
            for (KeeperView k : in.keepers().values()) {
                if (members.containsKey(k.name()) || k.name().equals(primary) || retired.contains(k.name())) {
                    continue;
                }
                if (view.fresh(k)) {
                    members.put(k.name(), MemberPlan.standbyOf(primary));
                    findings.add(new Finding(Reason.SCALE_UP, k.name() + " joins as a standby of " + primary));
                } else if (k.msSinceHeartbeat() > spec.departedKeeperGraceMs()) {
                    retired.add(k.name());
                    findings.add(new Finding(Reason.KEEPER_RETIRED, k.name() + " was never planned and has been silent for "
                            + k.msSinceHeartbeat() + " ms; its status Lease is removed"));
                }
            }
            return members;
        }

        /**
         * After a clean stop the old primary published where its WAL ends, and its last WAL was sent to the
         * standbys on the way down: the handoff can lose nothing, so the candidate must have received that
         * position, even in asynchronous mode. Standbys report it on their next heartbeat. If none does within
         * a lease duration of the release (a standby that was cut off), the ordinary lag rule applies again.
         */
        private Lsn handoffFloor() {
            KeeperView old = view.keeper(state.primary());
            if (!view.reportsCleanStop(old) || lease.msSinceChange() > spec.leaseDurationMs()) {
                return null;
            }
            return old.status().finalLsn();
        }

        /** Positive evidence that the primary cannot accept writes, or the expiry of its lease. Silence alone is never enough. */
        private Optional<Finding> primaryLost() {
            String primary = state.primary();
            if (lease.released()) {
                return Optional.of(new Finding(Reason.PRIMARY_RELEASED_LEASE, primary + " released the primary lease (epoch " + lease.epoch() + ")"));
            }
            KeeperView k = view.keeper(primary);
            if (view.reportsNotRunningAsPrimary(k)) {
                return Optional.of(new Finding(Reason.PRIMARY_NOT_RUNNING, primary + " reports PostgreSQL " + k.status().role()
                        + "/" + k.status().state().label() + " on a heartbeat " + k.msSinceHeartbeat() + " ms old"));
            }
            if (k != null && k.podTerminated()) {
                return Optional.of(new Finding(Reason.PRIMARY_POD_TERMINATED, "Kubernetes reports the keeper container of " + primary + " terminated"));
            }
            if (k != null && k.podRestarted()) {
                return Optional.of(new Finding(Reason.PRIMARY_POD_RESTARTED, "the keeper container of " + primary
                        + " restarted and has not renewed the lease since"));
            }
            if (lease.msSinceChange() > spec.leaseDurationMs()) {
                return Optional.of(new Finding(Reason.PRIMARY_LEASE_EXPIRED, "the lease of " + primary + " has not changed for "
                        + lease.msSinceChange() + " ms (leaseDurationMs " + spec.leaseDurationMs() + ")"));
            }
            return Optional.empty();
        }

        // ---- failover ----------------------------------------------------------------------------------

        /**
         * Promotes the best eligible standby, or waits and says why.
         *
         * @param floor when not null, the candidate must have received at least this position (zero-loss handoff)
         */
        private Decision failover(Finding lost, Map<String, MemberPlan> members, Lsn floor) {
            findings.add(0, lost);
            if (floor == null) {
                Optional<Finding> unsettled = positionsUnsettled();
                if (unsettled.isPresent()) {
                    // Transient (a few hundred milliseconds): logged, not written to C-state.
                    findings.add(0, unsettled.get());
                    return new Decision(null, LeaseAction.NONE, null, List.of(), findings);
                }
            }
            Candidate chosen = chooseCandidate(floor, false);
            if (chosen.refusal != null) {
                OperatorRequest answer = request != null && OperatorRequest.FAILOVER.equals(request.action())
                        ? refuse("no standby can be promoted: " + chosen.refusal.detail()) : null;
                Decision waiting = waitWith(Phase.WAITING, chosen.refusal);
                return new Decision(waiting.next(), LeaseAction.NONE, answer, retired, findings);
            }
            String why = "failover: " + state.primary() + " -> " + chosen.name + " because " + lost.reason() + " (" + lost.detail()
                    + "); " + chosen.why;
            findings.add(1, new Finding(Reason.FAILOVER, chosen.name + " promoted at epoch " + (Epochs.highest(in) + 1) + "; " + chosen.why));
            OperatorRequest answer = request != null ? request.answered(OperatorRequest.DONE, why) : null;
            if (answer != null) {
                findings.add(new Finding(Reason.REQUEST_DONE, request.action() + " " + request.id() + ": " + chosen.name + " promoted"));
            }
            return promote(chosen.name, members, why, answer);
        }

        private Decision promote(String candidate, Map<String, MemberPlan> members, String why, OperatorRequest answer) {
            long epoch = Epochs.highest(in) + 1;
            Map<String, MemberPlan> repointed = repoint(members, candidate);
            SynchronousSet sync = nextSynchronousSet(candidate, repointed, new SynchronousSet(without(state.synchronousStandbys(), candidate),
                    state.synchronousQuorum()), true);
            ClusterState next = state.next(Phase.NORMAL, why, candidate, epoch, repointed, sync.members(), sync.quorum())
                    .withHistory(new FailoverRecord(epoch, state.primary(), candidate, why, in.wallClock()));
            return new Decision(next, grant(candidate, epoch), answer, retired, findings);
        }

        /** The Lease for {@code holder} at {@code epoch}: created when it does not exist, else moved by compare-and-swap. */
        private LeaseAction grant(String holder, long epoch) {
            return lease.exists() ? new LeaseAction.Transfer(holder, lease.epoch(), epoch) : new LeaseAction.Create(holder, epoch);
        }

        /**
         * The Lease is behind C-state or names another member than C-state's primary: written by hand or restored
         * from an older copy, since pgpilot moves it only ahead of C-state. Nobody can write meanwhile (a member
         * needs both to name it), so it goes back to C-state's primary, at C-state's epoch when it was only behind,
         * or at a new one (C-state follows) when another member's name was on it at that epoch.
         */
        private Decision restoreLease(String what, long epoch) {
            String primary = state.primary();
            String why = what + ": the Lease goes back to " + primary + " at epoch " + epoch;
            findings.add(0, new Finding(Reason.LEASE_RESTORED, why));
            ClusterState next = epoch == state.epoch() ? null
                    : state.next(Phase.NORMAL, why, primary, epoch, state.membersCopy(), state.synchronousStandbys(), state.synchronousQuorum())
                    .withHistory(new FailoverRecord(epoch, primary, primary, why, in.wallClock()));
            return new Decision(next, new LeaseAction.Transfer(primary, lease.epoch(), epoch), null, List.of(), findings);
        }

        /**
         * Right after an unplanned loss, the positions the standbys last published may be up to a heartbeat old:
         * a standby reports where its WAL really ends once its receiver has noticed the primary is gone (its
         * state leaves STREAMING, which it publishes at once). Choosing on older figures can promote a standby
         * with less WAL than another, which loses the rows only the other had and leaves that one unable to follow
         * the new timeline. So wait for them, but never past renewDeadlineMs from the primary's last renewal: a
         * receiver that never notices (a cut network) does not hold the failover longer than that, and a standby
         * whose keeper went silent stops being a candidate on its own.
         */
        private Optional<Finding> positionsUnsettled() {
            if (lease.msSinceChange() >= spec.renewDeadlineMs()) {
                return Optional.empty();
            }
            List<String> streaming = view.promotable().stream().filter(k -> k.status().state() == MemberState.STREAMING)
                    .map(KeeperView::name).toList();
            if (streaming.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Finding(Reason.WAITING_FOR_FINAL_POSITIONS, String.join(", ", streaming) + " still report streaming from "
                    + state.primary() + "; waiting for where their WAL ends (at most until " + spec.renewDeadlineMs()
                    + " ms after the last renewal, " + lease.msSinceChange() + " ms ago) so the standby with the most WAL is promoted"));
        }

        /** The chosen standby with a sentence saying why, or a refusal. */
        private record Candidate(String name, String why, Finding refusal) {
        }

        /**
         * @param planned a switchover: the primary is healthy and the handoff waits for the candidate to receive its
         *                final position, so which synchronous member holds the most WAL right now does not matter
         */
        private Candidate chooseCandidate(Lsn floor, boolean planned) {
            List<KeeperView> promotable = view.promotable();
            String target = request != null ? request.target() : null;
            if (target != null) {
                Optional<String> why = view.whyNotPromotable(view.keeper(target));
                if (why.isPresent()) {
                    return refusal(Reason.NO_ELIGIBLE_STANDBY, "requested target " + target + " cannot be promoted: " + why.get());
                }
            }
            if (promotable.isEmpty()) {
                return refusal(Reason.NO_ELIGIBLE_STANDBY, "no standby is eligible: " + whyEachIsNot());
            }
            Lsn lastKnown = view.lastKnownPrimaryPosition();
            if (floor != null) {
                lastKnown = Lsn.max(lastKnown, floor);
            }
            if (state.synchronousQuorum() > 0) {
                return chooseSynchronous(promotable, target, lastKnown, floor, planned);
            }
            KeeperView best = target != null ? view.keeper(target) : promotable.get(0);
            long lag = lastKnown.bytesAfter(best.status().receivedLsn());
            long allowed = floor != null ? 0 : spec.maxLagOnFailoverBytes();
            if (floor != null && lag > 0) {
                return refusal(Reason.WAITING_FOR_FINAL_WAL, best.name() + " has received " + best.status().receivedLsn() + " of the final position "
                        + lastKnown + "; the handoff waits for it so no commit is lost");
            }
            if (lag > allowed) {
                return refusal(Reason.CANDIDATE_LAGS_TOO_MUCH, best.name() + " has received " + best.status().receivedLsn() + ", "
                        + lag + " bytes behind the last known primary position " + lastKnown + " (allowed " + allowed + ")");
            }
            return new Candidate(best.name(), "asynchronous mode: " + best.name() + " has the most WAL (" + best.status().receivedLsn()
                    + ", " + lag + " bytes behind " + lastKnown + ")", null);
        }

        /**
         * Synchronous mode: only a member of the set the primary applied and C-state records may be promoted,
         * and only once enough members are seen that one of them must hold every acknowledged commit.
         */
        private Candidate chooseSynchronous(List<KeeperView> promotable, String target, Lsn lastKnown, Lsn floor, boolean planned) {
            Set<String> recorded = new TreeSet<>(state.synchronousStandbys());
            Set<String> applied = new TreeSet<>(view.primaryStatus().map(KeeperStatus::synchronousStandbys).orElse(List.of()));
            Set<String> either = new TreeSet<>(recorded);
            either.addAll(applied);
            int k = state.synchronousQuorum();
            Lsn cleanStop = view.primaryStatus().map(KeeperStatus::finalLsn).orElse(Lsn.ZERO);
            if (!cleanStop.equals(Lsn.ZERO)) {
                // The primary stopped cleanly and said where its WAL ends: a set member that has it all loses nothing,
                // whatever the primary applied (a stopped primary reports no synchronous standbys).
                Optional<KeeperView> complete = promotable.stream()
                        .filter(c -> recorded.contains(c.name()) && (target == null || c.name().equals(target)))
                        .filter(c -> c.status().receivedLsn().compareTo(cleanStop) >= 0)
                        .findFirst();
                if (complete.isPresent()) {
                    return new Candidate(complete.get().name(), "synchronous mode: " + complete.get().name()
                            + " is in the set and has received the stopped primary's final position " + cleanStop, null);
                }
            }
            List<KeeperView> seen = either.stream().map(view::keeper).filter(view::fresh).toList();
            int needed = Math.max(1, either.size() - k + 1);
            if (!planned && seen.size() < needed) {
                return refusal(Reason.SYNCHRONOUS_QUORUM_UNKNOWN, "ANY " + k + " of " + either + ": " + seen.size()
                        + " reachable, " + needed + " needed to be sure one has every acknowledged commit");
            }
            List<KeeperView> eligible = promotable.stream()
                    .filter(c -> recorded.contains(c.name()) && applied.contains(c.name()))
                    .filter(c -> target == null || c.name().equals(target))
                    .toList();
            if (eligible.isEmpty()) {
                return refusal(Reason.NOT_IN_SYNCHRONOUS_SET, (target != null ? "requested target " + target : "no promotable standby")
                        + " is in both the set C-state records " + recorded + " and the set the primary applied " + applied);
            }
            // The set vouches for what the primary acknowledged in its own term. What it had when its term began
            // (commits acknowledged under the primary before it) reaches a set member only as it catches up.
            Lsn termStart = view.primaryTermStart();
            if (!planned && eligible.stream().noneMatch(c -> !termStart.isAfter(c.status().receivedLsn()))) {
                return refusal(Reason.SYNCHRONOUS_QUORUM_UNKNOWN, "no member of the set has received " + termStart + ", where "
                        + state.primary() + "'s timeline began: commits acknowledged before it would be lost; waiting");
            }
            eligible = planned ? eligible : eligible.stream().filter(c -> !termStart.isAfter(c.status().receivedLsn())).toList();
            KeeperView best = eligible.get(0);
            Lsn furthest = seen.stream().map(s -> s.status().receivedLsn()).reduce(Lsn.ZERO, Lsn::max);
            if (!planned && furthest.isAfter(best.status().receivedLsn())) {
                return refusal(Reason.SYNCHRONOUS_QUORUM_UNKNOWN, best.name() + " has " + best.status().receivedLsn()
                        + " but another synchronous member has " + furthest + "; waiting until the one with every commit can be promoted");
            }
            if (floor != null && floor.isAfter(best.status().receivedLsn())) {
                return refusal(Reason.SWITCHOVER_CATCHING_UP, best.name() + " has not received the final position " + floor);
            }
            return new Candidate(best.name(), "synchronous mode: " + best.name() + " is in ANY " + k + " " + either
                    + " and has the most WAL (" + best.status().receivedLsn() + ")", null);
        }

        private Candidate refusal(Reason reason, String detail) {
            return new Candidate(null, null, new Finding(reason, detail));
        }

        private String whyEachIsNot() {
            List<String> parts = new ArrayList<>();
            for (KeeperView k : in.keepers().values()) {
                if (!k.name().equals(state.primary())) {
                    view.whyNotPromotable(k).ifPresent(why -> parts.add(k.name() + ": " + why));
                }
            }
            return parts.isEmpty() ? "there are no standbys" : String.join(", ", parts);
        }

        // ---- switchover --------------------------------------------------------------------------------

        /** A pending switchover (or a failover while the primary is healthy, done the zero-loss way). */
        private Optional<Decision> startSwitchover(Map<String, MemberPlan> members) {
            String primary = state.primary();
            KeeperView p = view.keeper(primary);
            if (!view.current(p) || p.status().role() != PostgresRole.PRIMARY) {
                if (OperatorRequest.SWITCHOVER.equals(request.action())) {
                    findings.add(new Finding(Reason.REQUEST_REFUSED, "switchover " + request.id() + ": " + primary
                            + " is not running as primary, so there is nothing to hand over; use failover"));
                    return Optional.of(withAnswer(upkeep(members), refuse(primary + " is not running as primary; use failover")));
                }
                findings.add(new Finding(Reason.WAITING_FOR_LEASE_EXPIRY, "failover " + request.id() + ": the lease of " + primary
                        + " is fresh and there is no evidence it stopped; waiting for expiry"));
                return Optional.of(upkeep(members));
            }
            // No lag limit here: the handoff waits until the target has the old primary's final position.
            Candidate chosen = chooseCandidate(null, true);
            if (chosen.refusal != null) {
                findings.add(chosen.refusal);
                findings.add(new Finding(Reason.REQUEST_REFUSED, request.action() + " " + request.id() + ": " + chosen.refusal.detail()));
                return Optional.of(withAnswer(upkeep(members), refuse(chosen.refusal.reason() + ": " + chosen.refusal.detail())));
            }
            Map<String, MemberPlan> next = new HashMap<>(members);
            // The old primary is planned as a standby of the target: it shuts down cleanly and publishes its final LSN.
            next.put(primary, MemberPlan.standbyOf(chosen.name));
            String why = "switchover: " + primary + " shuts down cleanly and hands over to " + chosen.name;
            findings.add(0, new Finding(Reason.SWITCHOVER_DEMOTING, why));
            ClusterState nextState = state.next(Phase.SWITCHING_OVER, why, primary, state.epoch(), next,
                    state.synchronousStandbys(), state.synchronousQuorum());
            return Optional.of(new Decision(nextState, LeaseAction.NONE, null, retired, findings));
        }

        /** In SWITCHING_OVER: hand the lease over once the old primary stopped and the target has its final position. */
        private Optional<Decision> continueSwitchover(Map<String, MemberPlan> members) {
            String primary = state.primary();
            MemberPlan oldPlan = members.get(primary);
            if (oldPlan == null || oldPlan.role() != Role.STANDBY || oldPlan.upstream() == null) {
                return Optional.empty();
            }
            String target = oldPlan.upstream();
            KeeperView old = view.keeper(primary);
            boolean stopped = lease.released() || view.reportsCleanStop(old);
            if (!stopped) {
                Optional<Finding> lost = primaryLost();
                if (lost.isPresent()) {
                    return Optional.of(failover(lost.get(), members, null));
                }
                return Optional.of(waitWith(Phase.SWITCHING_OVER, new Finding(Reason.SWITCHOVER_DEMOTING,
                        "waiting for " + primary + " to stop PostgreSQL and publish its final WAL position")));
            }
            Lsn finalLsn = old != null && old.readable() ? Lsn.max(old.status().finalLsn(), old.status().receivedLsn()) : Lsn.ZERO;
            KeeperView t = view.keeper(target);
            if (view.whyNotPromotable(t).isEmpty() && (state.synchronousQuorum() == 0 || state.synchronousStandbys().contains(target))) {
                if (finalLsn.isAfter(t.status().receivedLsn())) {
                    return Optional.of(waitWith(Phase.SWITCHING_OVER, new Finding(Reason.SWITCHOVER_CATCHING_UP, target + " has received "
                            + t.status().receivedLsn() + " of " + primary + "'s final position " + finalLsn)));
                }
                String why = "switchover: " + primary + " -> " + target + " with no loss (final position " + finalLsn + " received)";
                findings.add(0, new Finding(Reason.SWITCHOVER, why));
                OperatorRequest answer = request != null ? request.answered(OperatorRequest.DONE, why) : null;
                if (answer != null) {
                    findings.add(new Finding(Reason.REQUEST_DONE, request.action() + " " + request.id() + ": " + target + " promoted"));
                }
                return Optional.of(promote(target, members, why, answer));
            }
            // The target can no longer take over: any standby that has the final position may, still with no loss.
            return Optional.of(failover(new Finding(Reason.SWITCHOVER, "target " + target + " is no longer eligible ("
                    + view.whyNotPromotable(t).orElse("not in the synchronous set") + ")"), members, finalLsn));
        }

        // ---- steady state ------------------------------------------------------------------------------

        /** The primary is fine: keep the plan consistent with it and the synchronous set right. */
        private Decision upkeep(Map<String, MemberPlan> members) {
            String primary = state.primary();
            Map<String, MemberPlan> repointed = repoint(members, primary);
            boolean repaired = false;
            for (var entry : repointed.entrySet()) {
                MemberPlan before = members.get(entry.getKey());
                if (before != null && !before.equals(entry.getValue()) && state.members().containsKey(entry.getKey())) {
                    repaired = true;
                }
            }
            if (repaired) {
                findings.add(new Finding(Reason.PLAN_REPAIRED, "every member is planned as a standby of " + primary));
            }
            SynchronousSet sync = nextSynchronousSet(primary, repointed,
                    new SynchronousSet(state.synchronousStandbys(), state.synchronousQuorum()), false);
            Phase phase = Phase.NORMAL;
            String reason = state.reason();
            KeeperView p = view.keeper(primary);
            if (!view.fresh(p) || p.msSinceHeartbeat() > spec.renewDeadlineMs()) {
                Finding silent = new Finding(Reason.WAITING_FOR_LEASE_EXPIRY, primary + " is silent but its lease changed "
                        + lease.msSinceChange() + " ms ago (leaseDurationMs " + spec.leaseDurationMs() + "); silence is not evidence");
                findings.add(0, silent);
                phase = Phase.WAITING;
                reason = silent.reason() + ": " + primary + " is silent; waiting for its lease to expire";
            } else if (state.phase() != Phase.NORMAL) {
                reason = Reason.PRIMARY_HEALTHY + ": " + primary + " holds the lease at epoch " + lease.epoch();
            }
            boolean changed = !repointed.equals(state.members()) || !sync.members().equals(state.synchronousStandbys())
                    || sync.quorum() != state.synchronousQuorum() || phase != state.phase() || !reason.equals(state.reason());
            if (findings.isEmpty()) {
                findings.add(new Finding(Reason.PRIMARY_HEALTHY, primary + " holds the lease at epoch " + lease.epoch()));
            }
            if (!changed) {
                return new Decision(null, LeaseAction.NONE, null, retired, findings);
            }
            if (phase == Phase.NORMAL && !reason.startsWith(Reason.PRIMARY_HEALTHY.name())) {
                reason = findings.get(0).reason() + ": " + findings.get(0).detail();
            }
            ClusterState next = state.next(phase, stable(reason), primary, state.epoch(), repointed, sync.members(), sync.quorum());
            return new Decision(next, LeaseAction.NONE, null, retired, findings);
        }

        private SynchronousSet nextSynchronousSet(String primary, Map<String, MemberPlan> members, SynchronousSet current, boolean afterPromotion) {
            List<String> healthy = new ArrayList<>();
            if (!afterPromotion) {
                in.keepers().values().stream()
                        .filter(k -> members.containsKey(k.name()) && view.synchronousCapable(k))
                        .sorted(ClusterView.PREFERENCE).forEach(k -> healthy.add(k.name()));
            } else {
                // Right after a promotion nobody streams from the new primary yet: keep the old members that remain.
                current.members().stream().filter(members::containsKey).forEach(healthy::add);
            }
            Set<String> planned = new LinkedHashSet<>();
            members.forEach((name, plan) -> {
                KeeperView k = view.keeper(name);
                if (!name.equals(primary) && (k == null || !k.readable() || !k.status().noFailover())) {
                    planned.add(name);
                }
            });
            Map<String, Lsn> received = new HashMap<>();
            in.keepers().values().stream().filter(KeeperView::readable).forEach(k -> received.put(k.name(), k.status().receivedLsn()));
            Optional<KeeperStatus> primaryStatus = afterPromotion ? Optional.empty()
                    : Optional.ofNullable(view.keeper(primary)).filter(KeeperView::readable).map(KeeperView::status);
            return SynchronousSet.next(spec, current, healthy, planned, primaryStatus, received, findings);
        }

        // ---- helpers -----------------------------------------------------------------------------------

        /** Writes the waiting phase and reason once; later ticks with the same reason write nothing. */
        private Decision waitWith(Phase phase, Finding finding) {
            if (!findings.contains(finding)) {
                findings.add(0, finding);
            }
            String reason = stable(finding.reason() + ": " + finding.detail());
            if (state.phase() == phase && reason.equals(state.reason()) && retired.isEmpty()) {
                return new Decision(null, LeaseAction.NONE, null, retired, findings);
            }
            Map<String, MemberPlan> members = state.membersCopy();
            retired.forEach(members::remove);
            ClusterState next = state.next(phase, reason, state.primary(), state.epoch(), members, state.synchronousStandbys(),
                    state.synchronousQuorum());
            return new Decision(next, LeaseAction.NONE, null, retired, findings);
        }

        private Decision withAnswer(Decision decision, OperatorRequest answer) {
            return new Decision(decision.next(), decision.leaseAction(), answer, decision.retired(), findings);
        }

        private OperatorRequest refuse(String why) {
            return request == null ? null : request.answered(OperatorRequest.REFUSED, why);
        }

        private static Map<String, MemberPlan> repoint(Map<String, MemberPlan> members, String primary) {
            Map<String, MemberPlan> out = new HashMap<>();
            members.forEach((name, plan) -> out.put(name, name.equals(primary)
                    ? new MemberPlan(Role.PRIMARY, null, plan.reinit())
                    : new MemberPlan(Role.STANDBY, primary, plan.reinit())));
            if (!out.containsKey(primary)) {
                out.put(primary, MemberPlan.primary());
            }
            return out;
        }

        private static List<String> without(List<String> list, String name) {
            return list.stream().filter(n -> !n.equals(name)).toList();
        }
    }

    /**
     * Reasons written into C-state must not carry durations: a reason that changes every tick would bump
     * the generation every tick. Millisecond counts are dropped from the stored text (the log keeps them).
     */
    static String stable(String reason) {
        return reason.replaceAll("\\d+ ms( ago| old)?", "some time");
    }
}

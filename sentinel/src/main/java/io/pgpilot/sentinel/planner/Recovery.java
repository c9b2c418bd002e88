package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.FailoverRecord;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Rebuilding C-state when it cannot be used as read: deleted, unreadable, or older than what the members
 * have read (restored from an older snapshot, or written by hand). Pure, like the rest of the planner.
 *
 * <p>The members know what C-state knew: each keeper publishes its system identifier, its timeline, where its
 * WAL ends (read offline when PostgreSQL does not run) and the highest epoch and generation it has read
 * (kept on its volume). The rebuilt C-state continues above every epoch and generation anyone has seen, so
 * no stale writer can come back to life.
 * <ul>
 *   <li>A primary that serves and holds a current Lease keeps its term: C-state is rebuilt around it at the
 *       Lease's epoch, with the synchronous set it applies, and no write pauses.</li>
 *   <li>Otherwise every member must report its data first; then the member with the most WAL on the newest
 *       timeline is adopted at a new epoch, as a restart of the whole cluster does. A member that does not
 *       report, or members that hold different clusters' data, wait for a person: {@code pgpilot recover
 *       --adopt MEMBER}, which refuses to adopt a member that has less WAL than another unless forced.</li>
 * </ul>
 */
final class Recovery {

    /** Best first: the newest timeline, then the most WAL, then priority, then the name. */
    private static final Comparator<KeeperView> MOST_WAL = Comparator
            .comparingInt((KeeperView k) -> k.status().timeline()).reversed()
            .thenComparing((KeeperView k) -> k.status().receivedLsn(), Comparator.reverseOrder())
            .thenComparing(Comparator.comparingInt((KeeperView k) -> k.status().priority()).reversed())
            .thenComparing(KeeperView::name);

    private final PlannerInput in;
    private final ClusterView view;
    private final List<Finding> findings;
    private final OperatorRequest request;
    /** The C-state read when only stale (its history goes on); INITIAL when it was missing or unreadable. */
    private final ClusterState base;

    private Recovery(PlannerInput in, ClusterView view, List<Finding> findings) {
        this.in = in;
        this.view = view;
        this.findings = findings;
        this.request = in.request() != null && in.request().isPending() ? in.request() : null;
        this.base = in.stateProblem() == null ? in.state() : ClusterState.INITIAL;
    }

    /**
     * Why C-state cannot be used as read, or null when it can: the sentinel could not read it, or it names no
     * primary while members have data (a new cluster has none), or it is older than what a member has read.
     */
    static String whyUnusable(PlannerInput in) {
        if (in.stateProblem() != null) {
            return in.stateProblem();
        }
        ClusterState state = in.state();
        List<String> withData = withData(in).stream().map(KeeperView::name).toList();
        if (state.primary() == null && !withData.isEmpty()) {
            return "C-state names no primary (epoch " + state.epoch() + ") but " + withData + " have data";
        }
        long generation = Epochs.generationSeenByMembers(in);
        if (state.generation() < generation) {
            return "C-state (generation " + state.generation() + ", epoch " + state.epoch() + ") is older than what members have read (generation "
                    + generation + "): restored from an older copy or written by hand";
        }
        return null;
    }

    static Decision plan(PlannerInput in, ClusterView view, List<Finding> findings, String why) {
        return new Recovery(in, view, findings).decide(why);
    }

    private Decision decide(String why) {
        List<KeeperView> data = withData(in);
        if (data.isEmpty()) {
            return null;   // nothing to recover: a new cluster, which the planner bootstraps
        }
        Map<String, List<String>> bySystem = data.stream().collect(Collectors.groupingBy(k -> k.status().systemIdentifier(), TreeMap::new,
                Collectors.mapping(KeeperView::name, Collectors.toList())));
        if (request != null && OperatorRequest.ADOPT.equals(request.action())) {
            return adoptRequested(why, data);
        }
        if (bySystem.size() > 1) {
            return waiting(Reason.RECOVERY_NEEDS_DECISION, why + "; the members hold " + bySystem.size() + " different clusters' data ("
                    + bySystem.entrySet().stream().map(e -> "system " + e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "))
                    + "): choose the member whose data the cluster keeps with `pgpilot recover --adopt MEMBER`; the others need volumes of their own");
        }
        Optional<KeeperView> holder = servingHolder(data);
        if (holder.isPresent()) {
            return rebuildAround(holder.get(), why);
        }
        List<String> silent = notReporting();
        if (!silent.isEmpty()) {
            return waiting(Reason.WAITING_FOR_MEMBERS, why + "; to adopt the member with the most WAL every member must report its data first: "
                    + "waiting for " + silent + " (to go on without them: `pgpilot recover --adopt MEMBER`)");
        }
        List<KeeperView> ranked = data.stream().sorted(MOST_WAL).toList();
        KeeperView best = ranked.get(0);
        if (best.status().noFailover()) {
            return waiting(Reason.RECOVERY_NEEDS_DECISION, why + "; " + best.name() + " has the most WAL (" + describe(best)
                    + ") but is marked noFailover: adopt it, or another member and lose what only it has, with `pgpilot recover --adopt MEMBER`");
        }
        return adopt(best, why + "; " + best.name() + " has the most WAL on the newest timeline (" + describe(best) + ") of every member", null);
    }

    /** The members that have not reported, or not where their WAL ends, among all the cluster is known to have. */
    private List<String> notReporting() {
        TreeSet<String> known = new TreeSet<>(in.keepers().keySet());
        known.addAll(in.state().members().keySet());
        List<String> silent = new ArrayList<>();
        for (String name : known) {
            KeeperView k = view.keeper(name);
            if (!view.fresh(k) || (k.status().systemIdentifier() != null && k.status().timeline() == 0)) {
                silent.add(name);
            }
        }
        int missing = in.spec().replicas() - known.size();
        for (int i = 0; i < missing; i++) {
            silent.add("a member not heard from yet (" + known.size() + " of spec.replicas " + in.spec().replicas() + " known)");
        }
        return silent;
    }

    /**
     * The Lease's holder when it serves as primary in the Lease's term: it reports, on a current heartbeat,
     * PostgreSQL out of recovery at the Lease's epoch, Kubernetes does not report its container terminated or
     * restarted, and no member has read a later epoch.
     */
    private Optional<KeeperView> servingHolder(List<KeeperView> data) {
        PrimaryLeaseView lease = in.lease();
        if (!lease.exists() || lease.holder() == null || lease.epoch() < Epochs.seenByMembers(in)) {
            return Optional.empty();
        }
        KeeperView k = view.keeper(lease.holder());
        return view.current(k) && data.contains(k) && !k.podTerminated() && !k.podRestarted() && k.status().role() == PostgresRole.PRIMARY
                && k.status().epoch() == lease.epoch() ? Optional.of(k) : Optional.empty();
    }

    /** C-state again, around the primary that serves: same epoch, the synchronous set it applies, no lease write. */
    private Decision rebuildAround(KeeperView primary, String why) {
        String name = primary.name();
        String systemIdentifier = primary.status().systemIdentifier();
        Map<String, MemberPlan> members = new TreeMap<>();
        for (KeeperView k : in.keepers().values()) {
            if (view.fresh(k) && (k.status().systemIdentifier() == null || systemIdentifier.equals(k.status().systemIdentifier()))) {
                members.put(k.name(), k.name().equals(name) ? MemberPlan.primary() : MemberPlan.standbyOf(name));
            }
        }
        members.put(name, MemberPlan.primary());
        List<String> applied = primary.status().synchronousStandbys().stream().filter(members::containsKey).sorted().toList();
        int quorum = applied.isEmpty() ? 0 : Math.min(Math.max(1, in.spec().minSynchronousStandbys()), applied.size());
        long epoch = in.lease().epoch();
        String reason = "C-state rebuilt: " + why + "; " + name + " serves as primary holding the lease at epoch " + epoch;
        findings.add(0, new Finding(Reason.STATE_REBUILT, reason));
        ClusterState next = new ClusterState(Epochs.generation(in) + 1, epoch, Phase.NORMAL, reason, name, members, applied, quorum, base.history())
                .withHistory(new FailoverRecord(epoch, name, name, reason, in.wallClock()));
        return new Decision(next, LeaseAction.NONE, null, List.of(), findings);
    }

    private Decision adoptRequested(String why, List<KeeperView> data) {
        String target = request.target();
        KeeperView chosen = view.keeper(target);
        if (chosen == null || !view.fresh(chosen) || !data.contains(chosen)) {
            return refused("adopt " + target + ": it has not reported data of its own on a fresh heartbeat", why);
        }
        if (chosen.status().timeline() == 0) {
            return refused("adopt " + target + ": it has not reported where its WAL ends yet; try again in a moment", why);
        }
        String system = chosen.status().systemIdentifier();
        Optional<KeeperView> ahead = data.stream().filter(k -> system.equals(k.status().systemIdentifier()) && !k.name().equals(target))
                .sorted(MOST_WAL)
                .filter(k -> k.status().timeline() > chosen.status().timeline()
                        || (k.status().timeline() == chosen.status().timeline() && k.status().receivedLsn().isAfter(chosen.status().receivedLsn())))
                .findFirst();
        if (ahead.isPresent() && !request.force()) {
            return refused("adopt " + target + ": " + ahead.get().name() + " has more WAL (" + describe(ahead.get()) + " against " + describe(chosen)
                    + "), which adopting " + target + " would lose; adopt " + ahead.get().name() + ", or add --force to lose it", why);
        }
        String forced = ahead.isPresent() ? " (forced: what only " + ahead.get().name() + " has is given up)" : "";
        String reason = why + "; " + target + " adopted at the operator's request" + forced;
        OperatorRequest answer = request.answered(OperatorRequest.DONE, target + " adopted" + forced);
        findings.add(new Finding(Reason.REQUEST_DONE, "adopt " + request.id() + ": " + target + " adopted" + forced));
        return adopt(chosen, reason, answer);
    }

    /**
     * The cluster goes on from {@code chosen}'s data, at an epoch above every one seen: it becomes primary (its
     * keeper starts or promotes it once the Lease and C-state name it), members with the same data follow it
     * (rewound when they went further on an older timeline), members without data clone from it.
     */
    private Decision adopt(KeeperView chosen, String why, OperatorRequest answer) {
        String name = chosen.name();
        String system = chosen.status().systemIdentifier();
        long epoch = Epochs.highest(in) + 1;
        Map<String, MemberPlan> members = new TreeMap<>();
        for (KeeperView k : in.keepers().values()) {
            if (k.readable() && (k.status().systemIdentifier() == null || system.equals(k.status().systemIdentifier()))) {
                members.put(k.name(), k.name().equals(name) ? MemberPlan.primary() : MemberPlan.standbyOf(name));
            }
        }
        // Synchronous mode protects commits from the first one: they wait for the standbys until the next
        // decisions size the set to the members that stream.
        List<String> synchronous = in.spec().synchronousMode() ? members.keySet().stream()
                .filter(m -> !m.equals(name) && !view.keeper(m).status().noFailover()).sorted().toList() : List.of();
        int quorum = synchronous.isEmpty() ? 0 : Math.min(Math.max(1, in.spec().minSynchronousStandbys()), synchronous.size());
        String reason = "cluster adopted from " + name + ": " + why;
        findings.add(0, new Finding(Reason.CLUSTER_ADOPTED, name + " becomes primary at epoch " + epoch + ": " + why));
        ClusterState next = new ClusterState(Epochs.generation(in) + 1, epoch, Phase.NORMAL, reason, name, members, synchronous, quorum, base.history())
                .withHistory(new FailoverRecord(epoch, base.primary(), name, reason, in.wallClock()));
        LeaseAction lease = in.lease().exists() ? new LeaseAction.Transfer(name, in.lease().epoch(), epoch) : new LeaseAction.Create(name, epoch);
        return new Decision(next, lease, answer, List.of(), findings);
    }

    private Decision waiting(Reason reason, String detail) {
        findings.add(0, new Finding(reason, detail));
        return writeWaiting(reason + ": " + detail, null);
    }

    private Decision refused(String detail, String why) {
        findings.add(new Finding(Reason.REQUEST_REFUSED, detail));
        findings.add(0, new Finding(Reason.RECOVERY_NEEDS_DECISION, why + "; " + detail));
        return writeWaiting(Reason.RECOVERY_NEEDS_DECISION + ": " + why + "; " + detail, request.answered(OperatorRequest.REFUSED, detail));
    }

    /**
     * While it waits, C-state says why (for {@code pgpilot status} and whoever reads it), at epoch 0 and with
     * no primary: below what any member has read, so every keeper keeps the last C-state it had and nothing
     * changes what a member does. Written once per reason.
     */
    private Decision writeWaiting(String reason, OperatorRequest answer) {
        String stored = Planner.stable(reason);
        ClusterState current = in.state();
        if (in.stateProblem() == null && current.primary() == null && current.epoch() == 0 && current.phase() == Phase.WAITING
                && stored.equals(current.reason())) {
            return new Decision(null, LeaseAction.NONE, answer, List.of(), findings);
        }
        ClusterState waiting = new ClusterState(base.generation(), 0, Phase.WAITING, stored, null, Map.of(), List.of(), 0, base.history());
        return new Decision(waiting, LeaseAction.NONE, answer, List.of(), findings);
    }

    private static List<KeeperView> withData(PlannerInput in) {
        return in.keepers().values().stream().filter(k -> k.readable() && k.status().systemIdentifier() != null).toList();
    }

    private static String describe(KeeperView k) {
        KeeperStatus s = k.status();
        return "timeline " + s.timeline() + ", " + s.receivedLsn();
    }
}

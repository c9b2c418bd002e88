package io.pgpilot.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The active sentinel's decisions, kept in the {@code C-state} ConfigMap. Only the leading sentinel writes
 * it, always by compare-and-swap; keepers and proxies only read it.
 *
 * @param generation          bumped on every decision, so a keeper can report which one it applied
 * @param epoch               the fencing token of the current primary; equals the primary Lease's transitions
 * @param phase               where the cluster stands
 * @param reason              why the last decision was taken or why the sentinel is waiting
 * @param primary             the keeper that should be primary, null before bootstrap
 * @param members             the plan for every keeper the sentinel knows, by name
 * @param synchronousStandbys the standbys named in synchronous_standby_names
 * @param synchronousQuorum   k in {@code ANY k (...)}; 0 when asynchronous
 * @param history             the most recent primary changes, oldest first
 */
public record ClusterState(
        long generation,
        long epoch,
        Phase phase,
        String reason,
        String primary,
        Map<String, MemberPlan> members,
        List<String> synchronousStandbys,
        int synchronousQuorum,
        List<FailoverRecord> history) {

    /** How many primary changes {@link #history} keeps. */
    public static final int HISTORY_LIMIT = 20;

    public static final ClusterState INITIAL = new ClusterState(0, 0, Phase.INITIALIZING, "no primary yet", null, Map.of(), List.of(), 0, List.of());

    public ClusterState {
        members = members == null ? Map.of() : Map.copyOf(new TreeMap<>(members));
        synchronousStandbys = synchronousStandbys == null ? List.of() : List.copyOf(synchronousStandbys);
        history = history == null ? List.of() : List.copyOf(history.subList(Math.max(0, history.size() - HISTORY_LIMIT), history.size()));
        if (phase == null) {
            phase = Phase.INITIALIZING;
        }
    }

    public static ClusterState fromJson(String json) {
        return ClusterJson.readWritten(json, ClusterState.class);
    }

    public String toJson() {
        return ClusterJson.writePretty(this);
    }

    public MemberPlan planFor(String keeper) {
        return members.get(keeper);
    }

    /** The sorted member map as an ordered copy, for building the next state. */
    public Map<String, MemberPlan> membersCopy() {
        return new LinkedHashMap<>(new TreeMap<>(members));
    }

    /** The next generation of this state: same decisions, generation + 1. Callers then change what they decide. */
    public ClusterState next(Phase phase, String reason, String primary, long epoch, Map<String, MemberPlan> members,
                             List<String> synchronousStandbys, int synchronousQuorum) {
        return new ClusterState(generation + 1, epoch, phase, reason, primary, members, synchronousStandbys, synchronousQuorum, history);
    }

    public ClusterState withHistory(FailoverRecord record) {
        List<FailoverRecord> longer = new ArrayList<>(history);
        longer.add(record);
        return new ClusterState(generation, epoch, phase, reason, primary, members, synchronousStandbys, synchronousQuorum, longer);
    }
}

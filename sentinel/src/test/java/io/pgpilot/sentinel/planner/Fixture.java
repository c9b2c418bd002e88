package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds planner inputs for tests: a running cluster p0 (primary) with standbys, all fresh, unless changed. */
final class Fixture {

    static final String SYSID = "7300000000000000001";

    ClusterSpec spec = spec(false, 1, false, 1024 * 1024);
    ClusterState state;
    String stateProblem;
    PrimaryLeaseView lease;
    final Map<String, KeeperView> keepers = new HashMap<>();
    OperatorRequest request;

    static ClusterSpec spec(boolean sync, int minSync, boolean strict, long maxLag) {
        return new ClusterSpec(3, sync, minSync, strict, maxLag, 16 * 1024 * 1024, 1_000, 5_000, 8_000, 300_000, false, Map.of(), List.of(), true);
    }

    static Fixture empty() {
        Fixture f = new Fixture();
        f.state = ClusterState.INITIAL;
        f.lease = PrimaryLeaseView.ABSENT;
        return f;
    }

    /** p0 primary at epoch 3 (lsn 1000), standbys s1 (lsn 900) and s2 (lsn 800); p0 lists all three as its failsafe members. */
    static Fixture running() {
        Fixture f = new Fixture();
        Map<String, MemberPlan> members = new HashMap<>();
        members.put("p0", MemberPlan.primary());
        members.put("s1", MemberPlan.standbyOf("p0"));
        members.put("s2", MemberPlan.standbyOf("p0"));
        f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", members, List.of(), 0, List.of());
        f.lease = PrimaryLeaseView.held("p0", 3, 200);
        f.put(primary("p0", 1000).toBuilder().failsafeMembers(List.of("p0", "s1", "s2")).build());
        f.put(standby("s1", 900));
        f.put(standby("s2", 800));
        return f;
    }

    /** Synchronous mode, ANY 1 (s1, s2), applied by the primary. */
    static Fixture runningSync() {
        Fixture f = running();
        f.spec = spec(true, 1, false, 1024 * 1024);
        f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", f.state.members(), List.of("s1", "s2"), 1, List.of());
        f.put(primary("p0", 1000).toBuilder().synchronousStandbys(List.of("s1", "s2")).failsafeMembers(List.of("p0", "s1", "s2")).build());
        return f;
    }

    static KeeperStatus primary(String name, long lsn) {
        return KeeperStatus.starting(name, "127.0.0.1", 5432, 8008).toBuilder()
                .role(PostgresRole.PRIMARY).state(MemberState.RUNNING).healthy(true).systemIdentifier(SYSID).timeline(1)
                .writeLsn(new Lsn(lsn)).flushLsn(new Lsn(lsn)).replayLsn(new Lsn(lsn)).epoch(3).build();
    }

    static KeeperStatus standby(String name, long lsn) {
        return KeeperStatus.starting(name, "127.0.0.1", 5432, 8008).toBuilder()
                .role(PostgresRole.STANDBY).state(MemberState.STREAMING).healthy(true).systemIdentifier(SYSID).timeline(1)
                .writeLsn(new Lsn(lsn)).flushLsn(new Lsn(lsn)).replayLsn(new Lsn(lsn)).upstream("p0").build();
    }

    static KeeperStatus fresh(String name) {
        return KeeperStatus.starting(name, "127.0.0.1", 5432, 8008);
    }

    /** {@code name} planned as a standby of p0 in C-state, with {@code status}. */
    Fixture member(KeeperStatus status) {
        Map<String, MemberPlan> members = new HashMap<>(state.members());
        members.put(status.name(), MemberPlan.standbyOf(state.primary()));
        state = new ClusterState(state.generation(), state.epoch(), state.phase(), state.reason(), state.primary(), members,
                state.synchronousStandbys(), state.synchronousQuorum(), state.history());
        return put(status);
    }

    Fixture put(KeeperStatus status) {
        KeeperView old = keepers.get(status.name());
        keepers.put(status.name(), KeeperView.of(status, old == null ? 300 : old.msSinceHeartbeat()));
        return this;
    }

    Fixture silent(String name, long ms) {
        KeeperView k = keepers.get(name);
        keepers.put(name, new KeeperView(name, k.status(), k.corruption(), ms, k.podTerminated(), k.podRestarted(), k.heartbeatSeen()));
        return this;
    }

    Fixture edit(String name, java.util.function.UnaryOperator<KeeperStatus.Builder> change) {
        return put(change.apply(keepers.get(name).status().toBuilder()).build());
    }

    /** What the standbys publish once their WAL receivers notice the primary is gone: no longer streaming. */
    Fixture standbysLostTheirStream() {
        for (String name : List.copyOf(keepers.keySet())) {
            if (keepers.get(name).status().role() == PostgresRole.STANDBY) {
                edit(name, b -> b.state(MemberState.RUNNING).healthy(false));
            }
        }
        return this;
    }

    Fixture pod(String name, boolean terminated, boolean restarted) {
        keepers.put(name, keepers.get(name).withPod(terminated, restarted));
        return this;
    }

    Fixture leaseAge(long ms) {
        lease = new PrimaryLeaseView(true, lease.holder(), lease.epoch(), ms);
        return this;
    }

    Fixture released() {
        lease = PrimaryLeaseView.released(lease.epoch(), 10);
        return this;
    }

    PlannerInput input() {
        return new PlannerInput(spec, state, stateProblem, lease, keepers, request, "2026-01-01T00:00:00Z");
    }

    Decision plan() {
        return Planner.plan(input());
    }
}

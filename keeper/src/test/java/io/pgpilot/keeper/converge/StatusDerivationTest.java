package io.pgpilot.keeper.converge;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.model.TimelineHistory;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How a keeper derives what it publishes, as a table: the last published status and what the keeper knows
 * now in, the fields the sentinel, the proxy and the CLI act on out.
 */
class StatusDerivationTest {

    private static final Lsn AT_1 = Lsn.parse("0/3000100");
    private static final Lsn AT_2 = Lsn.parse("0/3000900");
    private static final ClusterState ME_PRIMARY = state("me", Map.of("me", MemberPlan.primary(), "k2", MemberPlan.standbyOf("me")));
    private static final ClusterState ME_STANDBY = state("k2", Map.of("k2", MemberPlan.primary(), "me", MemberPlan.standbyOf("k2")));
    /** Published before: a standby on timeline 3 that had received up to AT_1, with a synchronous set from its days as primary. */
    private static final KeeperStatus BEFORE = KeeperStatus.starting("me", "10.0.0.1", 5432, 8008).toBuilder().role(PostgresRole.STANDBY)
            .state(MemberState.STREAMING).timeline(3).writeLsn(AT_1).flushLsn(AT_1).replayLsn(AT_1).synchronousStandbys(List.of("k3"))
            .systemIdentifier("7001").build();

    static ClusterState state(String primary, Map<String, MemberPlan> members) {
        return new ClusterState(4, 3, Phase.NORMAL, "test", primary, members, List.of(), 0, List.of());
    }

    static Observation primary(int timeline, Lsn at, List<Observation.Replica> replicas) {
        return new Observation(PostgresRole.PRIMARY, "7001", timeline, at, at, at, null, null, 0, replicas, -1, null);
    }

    static Observation standby(int timeline, Lsn at, String receiver, double heartbeatAge) {
        return new Observation(PostgresRole.STANDBY, "7001", timeline, at, at, at, receiver, "10.0.0.2", 5432, List.of(), heartbeatAge, null);
    }

    /** The facts of a running, writable primary at epoch 3; rows change what they are about. */
    record F(Observation obs, ClusterState state, Map<String, KeeperStatus> keepers, boolean running, boolean writable, boolean fenced,
             MemberState busy, TimelineHistory history, Long generation) {
        static F base() {
            return new F(primary(3, AT_2, List.of()), ME_PRIMARY, Map.of(), true, true, false, null, null, null);
        }

        F obs(Observation o) { return new F(o, state, keepers, running, writable, fenced, busy, history, generation); }
        F state(ClusterState s) { return new F(obs, s, keepers, running, writable, fenced, busy, history, generation); }
        F keepers(Map<String, KeeperStatus> k) { return new F(obs, state, k, running, writable, fenced, busy, history, generation); }
        F stopped() { return new F(Observation.unreachable("not running"), state, keepers, false, false, fenced, busy, history, generation); }
        F notWritable() { return new F(obs, state, keepers, running, false, fenced, busy, history, generation); }
        F whenFenced() { return new F(Observation.unreachable("fenced"), state, keepers, false, false, true, busy, history, generation); }
        F busy(MemberState b) { return new F(Observation.unreachable("busy"), state, keepers, running, writable, fenced, b, history, generation); }
        F history(TimelineHistory h) { return new F(obs, state, keepers, running, writable, fenced, busy, h, generation); }
        F converged(long g) { return new F(obs, state, keepers, running, writable, fenced, busy, history, g); }

        StatusFacts facts() {
            return new StatusFacts("me", obs, state, keepers, new PrimaryLease("me", 3, "9"), running, running ? 4242 : 0, writable, fenced, busy,
                    null, "7001", history, generation);
        }
    }

    static Stream<Arguments> table() {
        F p = F.base();
        F s = F.base().state(ME_STANDBY).notWritable();
        KeeperStatus k2AtTwo = KeeperStatus.starting("k2", "10.0.0.2", 5432, 8008).toBuilder().role(PostgresRole.PRIMARY).writeLsn(AT_2).flushLsn(AT_2)
                .replayLsn(AT_2).build();
        Observation.Replica syncK2 = new Observation.Replica("k2", "streaming", "sync", AT_1);
        Observation.Replica asyncK3 = new Observation.Replica("k3", "catchup", "async", AT_1);
        return Stream.of(
                row("writable primary: running, healthy, its epoch and positions", p, st -> st.role() == PostgresRole.PRIMARY
                        && st.state() == MemberState.RUNNING && st.healthy() && st.epoch() == 3 && st.writeLsn().equals(AT_2) && st.pid() == 4242),
                row("primary by PostgreSQL but not by this keeper's leave: not healthy", p.notWritable(), st -> !st.healthy()
                        && st.role() == PostgresRole.PRIMARY),
                row("primary: the synchronous set is what PostgreSQL counts as sync", p.obs(primary(3, AT_2, List.of(syncK2, asyncK3))),
                        st -> st.synchronousStandbys().equals(List.of("k2"))),
                row("primary: streaming standbys with their replayed positions, catching-up ones left out", p.obs(primary(3, AT_2, List.of(syncK2, asyncK3))),
                        st -> st.streamingStandbys().equals(Map.of("k2", AT_1))),
                row("primary: its timeline history published for its own timeline", p.history(new TimelineHistory(3, Map.of(1, AT_1, 2, AT_1))),
                        st -> st.timelineHistory().equals(Map.of(1, AT_1, 2, AT_1))),
                row("primary: a history of an older timeline is not published", p.history(new TimelineHistory(2, Map.of(1, AT_1))),
                        st -> st.timelineHistory().isEmpty()),
                row("streaming standby: healthy, lag against the primary's published position", s.obs(standby(3, AT_1, "streaming", 0.4))
                        .keepers(Map.of("k2", k2AtTwo)), st -> st.state() == MemberState.STREAMING && st.healthy()
                        && st.lagBytes() == AT_2.bytesAfter(AT_1) && st.lagSeconds() == 0.4 && st.epoch() == 0 && "k2".equals(st.upstream())),
                row("standby without a stream: running, not healthy", s.obs(standby(3, AT_1, null, -1)), st -> st.state() == MemberState.RUNNING
                        && !st.healthy() && st.lagSeconds() == 0),
                row("standby whose probe reports an older timeline: the timeline never goes back", s.obs(standby(2, AT_1, "streaming", 0)),
                        st -> st.timeline() == 3),
                row("stopped: positions, synchronous set and timeline of the last run kept", p.stopped(), st -> st.role() == PostgresRole.NONE
                        && st.state() == MemberState.INITIALIZING && st.writeLsn().equals(AT_1) && st.replayLsn().equals(AT_1)
                        && st.synchronousStandbys().equals(List.of("k3")) && st.timeline() == 3 && st.pid() == 0 && !st.healthy()),
                row("fenced: says so, with nothing running", p.whenFenced(), st -> st.state() == MemberState.FENCED && !st.healthy() && st.epoch() == 0),
                row("busy cloning: the busy state wins", s.busy(MemberState.CLONING), st -> st.state() == MemberState.CLONING),
                row("running: a final LSN of a clean stop is past", p, st -> st.finalLsn().equals(Lsn.ZERO)),
                row("stopped: a final LSN of a clean stop stays", p.stopped(), st -> st.finalLsn().equals(Lsn.parse("0/2000000"))),
                row("converged this pass: the generation applied", p.converged(4), st -> st.generationApplied() == 4),
                row("not converged this pass: the generation applied stays", p, st -> st.generationApplied() == 2),
                row("not in C-state: not healthy, no upstream", p.state(state("k2", Map.of("k2", MemberPlan.primary()))), st -> !st.healthy()
                        && st.upstream() == null));
    }

    private static Arguments row(String name, F facts, java.util.function.Predicate<KeeperStatus> expected) {
        return Arguments.of(name, facts, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void derives(String name, F facts, java.util.function.Predicate<KeeperStatus> expected) {
        KeeperStatus previous = BEFORE.toBuilder().finalLsn(Lsn.parse("0/2000000")).generationApplied(2).build();
        KeeperStatus derived = StatusDerivation.derive(previous, facts.facts());
        assertThat(expected.test(derived)).as(name + ": " + derived).isTrue();
        assertThat(derived.name()).isEqualTo("me");
        assertThat(derived.host()).isEqualTo("10.0.0.1");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void derivingTwiceChangesNothingMore(String name, F facts, java.util.function.Predicate<KeeperStatus> ignored) {
        UnaryOperator<KeeperStatus> once = previous -> StatusDerivation.derive(previous, facts.facts());
        KeeperStatus first = once.apply(BEFORE);
        assertThat(once.apply(first)).as(name).isEqualTo(first);
    }

    static Stream<Arguments> carryOver() {
        KeeperStatus fresh = KeeperStatus.starting("me", "10.0.0.1", 5432, 8008).toBuilder().systemIdentifier("7001").build();
        return Stream.of(
                Arguments.of("same data directory: positions, final LSN and synchronous set carried over", fresh, BEFORE, true),
                Arguments.of("another data directory: nothing carried over", fresh.toBuilder().systemIdentifier("9999").build(), BEFORE, false),
                Arguments.of("no data directory yet: nothing carried over", fresh.toBuilder().systemIdentifier(null).build(), BEFORE, false),
                Arguments.of("nothing published before", fresh, null, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("carryOver")
    void carriesOverOnlyForTheSameData(String name, KeeperStatus fresh, KeeperStatus before, boolean carried) {
        KeeperStatus result = StatusDerivation.carriedOver(fresh, before);
        if (carried) {
            assertThat(result.receivedLsn()).isEqualTo(AT_1);
            assertThat(result.timeline()).isEqualTo(3);
            assertThat(result.synchronousStandbys()).containsExactly("k3");
            assertThat(result.state()).as("what the member is now is not carried over").isEqualTo(MemberState.INITIALIZING);
        } else {
            assertThat(result).isSameAs(fresh);
        }
    }
}

package io.pgpilot.keeper.converge;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A restarted primary k0 (its WAL at 0/5000000) chooses between handing over and restarting in place. */
class RestartChoiceTest {

    private static final Lsn MINE = Lsn.parse("0/5000000");
    private static final ClusterSpec ASYNC = ClusterSpec.DEFAULT;   // maxLagOnFailoverBytes 1 MiB
    private static final ClusterSpec SYNC = ClusterSpec.fromJson("{\"synchronousMode\": true}");

    private static ClusterState state(List<String> synchronous) {
        return new ClusterState(9, 2, Phase.NORMAL, "steady", "k0",
                Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k0"), "k2", MemberPlan.standbyOf("k0")),
                synchronous, synchronous.isEmpty() ? 0 : 1, List.of());
    }

    private static KeeperStatus standby(String name, String lsn) {
        Lsn at = Lsn.parse(lsn);
        return KeeperStatus.starting(name, "127.0.0.1", 6001, 8001).toBuilder().role(PostgresRole.STANDBY).state(MemberState.STREAMING)
                .upstream("k0").writeLsn(at).flushLsn(at).replayLsn(at).build();
    }

    private static Map<String, KeeperStatus> keepers(KeeperStatus... statuses) {
        Map<String, KeeperStatus> all = new LinkedHashMap<>();
        for (KeeperStatus s : statuses) {
            all.put(s.name(), s);
        }
        return all;
    }

    private static Arguments row(String name, ClusterSpec spec, ClusterState state, Map<String, KeeperStatus> keepers, boolean sentinelLeads,
                                 String expected) {
        return Arguments.of(name, spec, state, keepers, sentinelLeads, expected);
    }

    private static KeeperStatus edit(KeeperStatus s, UnaryOperator<KeeperStatus.Builder> change) {
        return change.apply(s.toBuilder()).build();
    }

    static Stream<Arguments> rows() {
        ClusterState async = state(List.of());
        ClusterState sync = state(List.of("k2"));
        return Stream.of(
                row("async: a caught-up standby takes over", ASYNC, async, keepers(standby("k1", "0/5000000"), standby("k2", "0/4000000")), true, "k1"),
                row("async: within maxLagOnFailoverBytes, the standby with the most WAL", ASYNC, async,
                        keepers(standby("k1", "0/4F80000"), standby("k2", "0/4FF0000")), true, "k2"),
                row("async: every standby further behind than maxLagOnFailoverBytes: in place", ASYNC, async,
                        keepers(standby("k1", "0/3000000"), standby("k2", "0/3F00000")), true, null),
                row("async: no standby at all: in place", ASYNC, async, keepers(), true, null),
                row("a standby marked noFailover is not handed over to", ASYNC, async,
                        keepers(edit(standby("k1", "0/5000000"), b -> b.noFailover(true))), true, null),
                row("a member last seen stopped is not handed over to", ASYNC, async,
                        keepers(edit(standby("k1", "0/5000000"), b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED))), true, null),
                row("a standby cascading from another member is not this member's", ASYNC,
                        new ClusterState(9, 2, Phase.NORMAL, "steady", "k0", Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k2"),
                                "k2", MemberPlan.standbyOf("k0")), List.of(), 0, List.of()),
                        keepers(standby("k1", "0/5000000")), true, null),
                row("no sentinel leads: nobody would promote, so in place", ASYNC, async, keepers(standby("k1", "0/5000000")), false, null),
                row("sync: the synchronous standby takes over, however its last published position looked", SYNC, sync,
                        keepers(standby("k1", "0/5000000"), standby("k2", "0/1000000")), true, "k2"),
                row("sync: a caught-up standby outside the synchronous set is not enough", SYNC, state(List.of("k2")),
                        keepers(standby("k1", "0/5000000")), true, null),
                row("sync: an empty synchronous set: in place", SYNC, state(List.of()), keepers(standby("k1", "0/5000000")), true, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void chooses(String name, ClusterSpec spec, ClusterState state, Map<String, KeeperStatus> keepers, boolean sentinelLeads, String expected) {
        RestartChoice choice = RestartChoice.of("k0", spec, state, keepers, MINE, sentinelLeads);
        assertThat(choice.handOver()).as(choice.reason()).isEqualTo(expected != null);
        assertThat(choice.candidate()).as(choice.reason()).isEqualTo(expected);
        assertThat(choice.reason()).isNotBlank();
    }
}

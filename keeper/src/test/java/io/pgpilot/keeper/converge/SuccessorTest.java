package io.pgpilot.keeper.converge;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which member a cleanly stopped primary (k0, timeline 1) may prepare to follow. */
class SuccessorTest {

    private static ClusterState state(String primary, Map<String, MemberPlan> plans) {
        return new ClusterState(7, 2, Phase.NORMAL, "k0 released the primary lease", primary, plans, List.of(), 0, List.of());
    }

    private static final ClusterState HANDED_OVER = state("k1", Map.of("k0", MemberPlan.standbyOf("k1"), "k1", MemberPlan.primary(),
            "k2", MemberPlan.standbyOf("k1")));

    private static KeeperStatus running(String name, PostgresRole role, int timeline) {
        return KeeperStatus.starting(name, "127.0.0.1", 6001, 8001).toBuilder().role(role).state(MemberState.RUNNING).timeline(timeline).build();
    }

    @Test
    void theNewPrimaryOnANewerTimelineThatPlansThisMemberAsItsStandby() {
        var found = Successor.of("k0", HANDED_OVER, Map.of("k1", running("k1", PostgresRole.PRIMARY, 2)), 1);
        assertThat(found).hasValueSatisfying(s -> {
            assertThat(s.name()).isEqualTo("k1");
            assertThat(s.endpoint()).isEqualTo(new Endpoint("127.0.0.1", 6001));
        });
    }

    @Test
    void nothingUntilTheClusterObjectsAgreeThatAnotherMemberRunsAsPrimary() {
        assertThat(Successor.of("k0", state("k0", Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k0"))),
                Map.of("k1", running("k1", PostgresRole.STANDBY, 1)), 1)).as("no decision yet").isEmpty();
        assertThat(Successor.of("k0", HANDED_OVER, Map.of("k1", running("k1", PostgresRole.STANDBY, 1)), 1))
                .as("decided, not promoted yet").isEmpty();
        assertThat(Successor.of("k0", HANDED_OVER, Map.of("k1", running("k1", PostgresRole.PRIMARY, 1)), 1))
                .as("its status is from before the promotion's new timeline").isEmpty();
        assertThat(Successor.of("k0", HANDED_OVER, Map.of(), 1)).as("no status").isEmpty();
        assertThat(Successor.of("k0", HANDED_OVER, Map.of("k1", running("k1", PostgresRole.PRIMARY, 2).toBuilder().port(0).build()), 1))
                .as("no address").isEmpty();
    }

    @Test
    void nothingWhenThisMemberIsNotPlannedAsTheNewPrimarysStandby() {
        Map<String, KeeperStatus> promoted = Map.of("k1", running("k1", PostgresRole.PRIMARY, 2));
        assertThat(Successor.of("k0", state("k1", Map.of("k1", MemberPlan.primary())), promoted, 1)).as("not a member any more").isEmpty();
        assertThat(Successor.of("k0", state("k1", Map.of("k0", MemberPlan.standbyOf("k2"), "k1", MemberPlan.primary())), promoted, 1))
                .as("planned to cascade from another member").isEmpty();
        assertThat(Successor.of("k0", state("k1", Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.primary())), promoted, 1))
                .as("planned primary again").isEmpty();
    }
}

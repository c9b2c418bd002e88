package io.pgpilot.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterStateTest {

    @Test
    void jsonRoundTripKeepsDecisions() {
        ClusterState state = new ClusterState(7, 3, Phase.NORMAL, "healthy", "k0",
                Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k0"), "k2", MemberPlan.standbyOf("k0").withReinit()),
                List.of("k1"), 1, List.of(new FailoverRecord(3, "k2", "k0", "k2 released the lease", "2026-11-25T10:00:00Z")));
        assertThat(ClusterState.fromJson(state.toJson())).isEqualTo(state);
    }

    @Test
    void historyKeepsOnlyTheMostRecentChanges() {
        ClusterState state = ClusterState.INITIAL;
        for (int i = 1; i <= ClusterState.HISTORY_LIMIT + 5; i++) {
            state = state.withHistory(new FailoverRecord(i, null, "k" + i, "test", "now"));
        }
        assertThat(state.history()).hasSize(ClusterState.HISTORY_LIMIT);
        assertThat(state.history().get(0).epoch()).isEqualTo(6);
    }

    @Test
    void keeperStatusRoundTripsAndRefusesGarbage() {
        KeeperStatus status = KeeperStatus.starting("k1", "127.0.0.1", 5432, 8008).toBuilder()
                .role(PostgresRole.STANDBY).state(MemberState.STREAMING).timeline(2)
                .replayLsn(Lsn.parse("0/5000000")).lagBytes(42).timelineHistory(java.util.Map.of(1, Lsn.parse("0/4000668"))).build();
        assertThat(KeeperStatus.fromJson(status.toJson())).isEqualTo(status);
        assertThat(status.toJson()).contains("\"state\":\"streaming\"").contains("\"replayLsn\":\"0/5000000\"")
                .contains("\"timelineHistory\":{\"1\":\"0/4000668\"}");
        assertThatThrownBy(() -> KeeperStatus.fromJson("{\"name\": \"k1\", \"port\": \"not a port\"}"))
                .isInstanceOf(ClusterJson.MalformedObjectException.class);
    }

    @Test
    void whatANewerVersionWritesIsReadButAHandWrittenTypoInTheSpecIsNot() {
        // A rolling upgrade: a newer keeper or sentinel adds a field this version does not know.
        KeeperStatus status = KeeperStatus.starting("k1", "127.0.0.1", 5432, 8008);
        String newerStatus = status.toJson().replaceFirst("\\{", "{\"addedInALaterVersion\": [1, 2], ");
        assertThat(KeeperStatus.fromJson(newerStatus)).isEqualTo(status);
        String newerState = ClusterState.INITIAL.toJson().replaceFirst("\\{", "{\"addedInALaterVersion\": {\"x\": 1}, ");
        assertThat(ClusterState.fromJson(newerState)).isEqualTo(ClusterState.INITIAL);
        assertThatThrownBy(() -> ClusterSpec.fromJson("{\"replicas\": 3, \"synchronusMode\": true}"))
                .isInstanceOf(ClusterJson.MalformedObjectException.class).hasMessageContaining("synchronusMode");
    }

    @Test
    void operatorRequestRoundTripsWithoutDerivedFields() {
        OperatorRequest request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "k1");
        assertThat(ClusterJson.mapper().readTree(request.toJson()).has("pending")).as("derived isPending() is not a field").isFalse();
        assertThat(OperatorRequest.fromJson(request.toJson())).isEqualTo(request);
        assertThat(OperatorRequest.fromJson(request.answered(OperatorRequest.DONE, "k1 promoted").toJson()).isPending()).isFalse();
        assertThatThrownBy(() -> OperatorRequest.pending("reboot", null)).hasMessageContaining("not one of switchover, failover");
    }

    @Test
    void objectNamesComeFromTheClusterName() {
        ObjectNames names = new ObjectNames("demo");
        assertThat(names.specConfigMap()).isEqualTo("demo-spec");
        assertThat(names.stateConfigMap()).isEqualTo("demo-state");
        assertThat(names.primaryLease()).isEqualTo("demo-primary");
        assertThat(names.sentinelLease()).isEqualTo("demo-sentinel");
        assertThat(names.keeperLease("demo-keeper-0")).isEqualTo("demo-keeper-demo-keeper-0");
        assertThat(ObjectNames.replicationSlot("demo-keeper-0")).isEqualTo("pgpilot_demo_keeper_0");
        assertThatThrownBy(() -> new ObjectNames("Bad_Name")).hasMessageContaining("lower-case letters");
    }
}

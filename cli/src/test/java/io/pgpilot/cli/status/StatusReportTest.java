package io.pgpilot.cli.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.PodView;
import io.pgpilot.store.Read;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusReportTest {

    private static final ClusterState STATE = new ClusterState(4, 2, Phase.NORMAL, "healthy", "k0",
            Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k0"), "k2", MemberPlan.standbyOf("k0")), List.of(), 0, List.of());

    private static KeeperRecord keeper(String name, PostgresRole role, MemberState state) {
        KeeperStatus status = KeeperStatus.starting(name, "127.0.0.1", 5432, 8008).toBuilder()
                .role(role).state(state).pid(4242).timeline(2).flushLsn(Lsn.parse("0/5000000")).replayLsn(Lsn.parse("0/4000000"))
                .lagBytes(role == PostgresRole.STANDBY ? 16 : 0).build();
        return new KeeperRecord(name, "demo-keeper-" + name, new Read.Found<>("Lease demo-keeper-" + name, status, "1"), "1");
    }

    @Test
    void jsonHasTheStableFieldNamesScriptsUse() {
        StatusReport report = StatusReport.of("demo", new Read.Found<>("demo-state", STATE, "9"),
                new Read.Found<>("demo-primary", new PrimaryLease("k0", 2, "7"), "7"),
                List.of(keeper("k0", PostgresRole.PRIMARY, MemberState.RUNNING), keeper("k1", PostgresRole.STANDBY, MemberState.STREAMING)),
                List.of());
        String json = ClusterJson.write(report);
        assertThat(json).contains("\"cluster\":\"demo\"", "\"phase\":\"normal\"", "\"primary\":\"k0\"", "\"epoch\":2", "\"members\":[");
        assertThat(report.members()).extracting(StatusReport.Member::name).containsExactly("k0", "k1", "k2");
        StatusReport.Member standby = report.members().get(1);
        assertThat(json).contains("\"name\":\"k1\"", "\"role\":\"standby\"", "\"state\":\"streaming\"", "\"pid\":4242", "\"host\":\"127.0.0.1\"",
                "\"port\":5432", "\"timeline\":2", "\"lsn\":\"0/4000000\"", "\"lagBytes\":16", "\"lagSeconds\":0.0");
        assertThat(standby.lsn()).isEqualTo("0/4000000");
        assertThat(report.members().get(0).lsn()).as("the primary shows its flushed position").isEqualTo("0/5000000");
        assertThat(report.members().get(2).state()).as("planned but never reported").isEqualTo("initializing");
    }

    @Test
    void wholeOnlyWithAPrimaryThatReportsItselfAndEveryOtherMemberStreaming() {
        var lease = new Read.Found<>("demo-primary", new PrimaryLease("k0", 2, "7"), "7");
        StatusReport whole = StatusReport.of("demo", new Read.Found<>("demo-state", STATE, "9"), lease,
                List.of(keeper("k0", PostgresRole.PRIMARY, MemberState.RUNNING), keeper("k1", PostgresRole.STANDBY, MemberState.STREAMING),
                        keeper("k2", PostgresRole.STANDBY, MemberState.STREAMING)), List.of());
        assertThat(whole.everyStandbyStreaming()).isTrue();
        assertThat(whole.primaryReportsItself()).isTrue();

        StatusReport partial = StatusReport.of("demo", new Read.Found<>("demo-state", STATE, "9"), lease,
                List.of(keeper("k0", PostgresRole.STANDBY, MemberState.RUNNING), keeper("k1", PostgresRole.STANDBY, MemberState.STREAMING)),
                List.of());
        assertThat(partial.everyStandbyStreaming()).as("k2 never reported").isFalse();
        assertThat(partial.primaryReportsItself()).as("k0 still runs as a standby").isFalse();
    }

    @Test
    void aKeeperWhoseContainerTerminatedIsShownFailedWhateverItsLastHeartbeatSaid() {
        StatusReport report = StatusReport.of("demo", new Read.Found<>("demo-state", STATE, "9"), new Read.Missing<>("demo-primary"),
                List.of(keeper("k0", PostgresRole.PRIMARY, MemberState.RUNNING)), List.of(new PodView("k0", true, 0, false)));
        assertThat(report.members().get(0).state()).isEqualTo("failed");
        assertThat(report.members().get(0).pid()).isZero();
        assertThat(report.primary()).as("without a lease, the decided primary").isEqualTo("k0");
    }

    @Test
    void aCorruptStateIsShownWithItsReasonNotHidden() {
        StatusReport report = StatusReport.of("demo", new Read.Corrupt<>("ConfigMap demo-state", "key 'state.json' is empty", "3"),
                new Read.Missing<>("demo-primary"), List.of(), List.of());
        assertThat(report.phase()).isEqualTo("unknown");
        assertThat(report.reason()).contains("ConfigMap demo-state cannot be read");
        assertThat(report.table()).contains("reason: ConfigMap demo-state cannot be read");
    }

    /** The primary, running, seeing {@code streaming} stream from it. */
    private static KeeperRecord primarySeeing(Map<String, Lsn> streaming) {
        KeeperStatus status = keeper("k0", PostgresRole.PRIMARY, MemberState.RUNNING).status().orElseThrow().toBuilder()
                .timeline(3).streamingStandbys(streaming).build();
        return new KeeperRecord("k0", "demo-keeper-k0", new Read.Found<>("Lease demo-keeper-k0", status, "2"), "2");
    }

    private static StatusReport.Member reported(String name, KeeperRecord primary, KeeperRecord member, PodView pod) {
        StatusReport report = StatusReport.of("demo", new Read.Found<>("demo-state", STATE, "9"),
                new Read.Found<>("demo-primary", new PrimaryLease("k0", 3, "7"), "7"), List.of(primary, member), pod == null ? List.of() : List.of(pod));
        return report.members().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aRestartedMemberThePrimarySeesStreamingIsShownStreamingBeforeItsKeeperPublishes() {
        KeeperRecord stopped = keeper("k1", PostgresRole.NONE, MemberState.STOPPED);
        StatusReport.Member k1 = reported("k1", primarySeeing(Map.of("k1", Lsn.parse("0/4800000"))), stopped, new PodView("k1", false, 1, false));
        assertThat(k1.state()).isEqualTo("streaming");
        assertThat(k1.role()).isEqualTo("standby");
        assertThat(k1.lsn()).as("where the primary sees it replay").isEqualTo("0/4800000");
        assertThat(k1.lagBytes()).isEqualTo(0x800000);
        assertThat(k1.timeline()).isEqualTo(3);
    }

    @Test
    void thePrimarysViewNeverOverridesWhatTheMembersOwnKeeperOrKubernetesSays() {
        KeeperRecord primary = primarySeeing(Map.of("k1", Lsn.parse("0/4800000")));
        assertThat(reported("k1", primary, keeper("k1", PostgresRole.NONE, MemberState.STOPPED), new PodView("k1", true, 1, false)).state())
                .as("the container is gone: the primary's view is older").isEqualTo("stopped");
        assertThat(reported("k1", primary, keeper("k1", PostgresRole.STANDBY, MemberState.FAILED), null).state())
                .as("its keeper runs and says otherwise").isEqualTo("failed");
        assertThat(reported("k1", primary, keeper("k1", PostgresRole.STANDBY, MemberState.RUNNING), null).state()).isEqualTo("running");
        assertThat(reported("k1", primarySeeing(Map.of()), keeper("k1", PostgresRole.NONE, MemberState.STOPPED), null).state())
                .as("not seen streaming").isEqualTo("stopped");
        KeeperRecord notPrimary = new KeeperRecord("k0", "demo-keeper-k0", new Read.Found<>("Lease demo-keeper-k0",
                primary.status().orElseThrow().toBuilder().role(PostgresRole.STANDBY).build(), "2"), "2");
        assertThat(reported("k1", notPrimary, keeper("k1", PostgresRole.NONE, MemberState.STOPPED), null).state())
                .as("only a member running as primary speaks for its standbys").isEqualTo("stopped");
    }
}

package io.pgpilot.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpilot.cli.Main;
import io.pgpilot.cli.local.LocalConfig;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * End to end on real processes: `pgpilot local up` brings up the API server, three keepers, two sentinels
 * and the proxy; a writer inserts through the proxy and remembers every acknowledged row; a sampler checks
 * that no two members ever accept writes at once. Then the drills a user would run, in order, on the same
 * cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterFailoverTest {

    @RegisterExtension
    static final ClusterUnderLoad LOAD = new ClusterUnderLoad("cluster", false, Duration.ZERO);

    private Path dir;
    private LocalConfig config;
    private AcknowledgedWriter writer;

    @BeforeAll
    void cluster() {
        dir = LOAD.cluster().dir();
        config = LOAD.cluster().config();
        writer = LOAD.writer();
    }

    private ClusterStore store() {
        return LOAD.cluster().store();
    }

    private String primary() {
        return LOAD.status().primary();
    }

    @Test
    @Order(1)
    void gracefulStopPromotesWithoutWaitingForExpiryAndLosesNothing() throws Exception {
        String old = primary();
        long fault = System.nanoTime();
        assertThat(Main.run("local", "stop", "--dir", dir.toString(), old)).isZero();
        String promoted = LOAD.awaitNewPrimary(old);
        long firstAck = writer.firstAckAfter(fault, 30_000);
        assertThat(firstAck).as("writes resumed").isPositive();
        long unavailableMs = (firstAck - fault) / 1_000_000;
        assertThat(unavailableMs).as("handover after SIGTERM, ms; lease duration is %d", ClusterSpec.DEFAULT.leaseDurationMs())
                .isLessThan(ClusterSpec.DEFAULT.leaseDurationMs());
        assertThat(promoted).isNotEqualTo(old);
        LOAD.assertNothingLost();
        // Before its process ended, the stopped primary saw who took over and left its data ready to follow it.
        await().atMost(Duration.ofSeconds(30)).until(() -> LOAD.logOf(old).contains("prepared to follow " + promoted));
    }

    @Test
    @Order(2)
    void theFormerPrimaryComesBackAsAStandbyAndCatchesUp() throws Exception {
        String stopped = LOAD.status().members().stream().filter(m -> "stopped".equals(m.state()) || "failed".equals(m.state()))
                .map(StatusReport.Member::name).findFirst().orElseThrow();
        String before = LOAD.logOf(stopped);
        assertThat(Main.run("local", "start", "--dir", dir.toString(), stopped)).isZero();
        LOAD.awaitStreaming(stopped);
        assertThat(LOAD.logOf(stopped).substring(before.length())).as("the former primary's data was prepared at its stop: it streams before its keeper reads the cluster")
                .contains("started PostgreSQL").contains("in recovery with the previous run's settings before reading the cluster")
                .doesNotContain("pg_rewind done");
        Set<Long> acknowledged = writer.acknowledged();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> LOAD.rowsOn(stopped).containsAll(acknowledged));
    }

    @Test
    @Order(3)
    void kubectlDeletePodOfThePrimaryHandsOverAndThePodRejoins() throws Exception {
        String old = primary();
        long fault = System.nanoTime();
        Process kubectl = new ProcessBuilder("kubectl", "--kubeconfig", dir.resolve("kubeconfig").toString(), "delete", "pod", old)
                .redirectErrorStream(true).start();
        String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor()).as(out).isZero();
        LOAD.awaitNewPrimary(old);
        long firstAck = writer.firstAckAfter(fault, 30_000);
        assertThat((firstAck - fault) / 1_000_000).isLessThan(ClusterSpec.DEFAULT.leaseDurationMs());
        LOAD.assertNothingLost();
        LOAD.awaitStreaming(old);
    }

    @Test
    @Order(4)
    void switchoverUnderWriteLoadLosesNothing() throws Exception {
        String old = primary();
        await().atMost(Duration.ofSeconds(60)).until(() -> LOAD.status().members().stream().filter(m -> !m.name().equals(old))
                .allMatch(m -> "streaming".equals(m.state())));
        assertThat(Main.run("switchover", "--dir", dir.toString(), "--cluster", config.cluster())).isZero();
        LOAD.awaitNewPrimary(old);
        LOAD.assertNothingLost();
        LOAD.awaitStreaming(old);
    }

    @Test
    @Order(5)
    void crashOfThePrimaryInSynchronousModeLosesNoAcknowledgedWrite() throws Exception {
        var spec = (Read.Found<ClusterSpec>) store().readSpec();
        ClusterSpec synchronous = spec.value().withChanges("{\"synchronousMode\": true}");
        assertThat(synchronous.synchronousMode()).isTrue();
        store().updateSpec(synchronous, spec.resourceVersion()).orElseThrow();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            var state = store().readState();
            return state instanceof Read.Found<io.pgpilot.cluster.ClusterState> found && found.value().synchronousQuorum() >= 1;
        });
        String old = primary();
        await().atMost(Duration.ofSeconds(30)).until(() -> store().listKeepers().stream()
                .filter(k -> k.keeper().equals(old)).anyMatch(k -> k.status().isFound() && !k.status().orElseThrow().synchronousStandbys().isEmpty()));
        long before = writer.acknowledgedCount();
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.acknowledgedCount() > before + 10);

        assertThat(Main.run("local", "kill", "--dir", dir.toString(), old)).isZero();
        long fault = System.nanoTime();
        LOAD.awaitNewPrimary(old);
        assertThat(writer.firstAckAfter(fault, 30_000)).as("writes resumed on the new primary").isPositive();
        LOAD.assertNothingLost();

        assertThat(Main.run("local", "start", "--dir", dir.toString(), old)).isZero();
        LOAD.awaitStreaming(old);
        Set<Long> acknowledged = writer.acknowledged();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> LOAD.rowsOn(old).containsAll(acknowledged));
    }

    @Test
    @Order(6)
    void statusJsonNamesEveryMember() {
        StatusReport report = LOAD.status();
        assertThat(report.members()).extracting(StatusReport.Member::name)
                .containsExactlyElementsOf(config.keepers().stream().map(LocalConfig.Member::name).toList());
        assertThat(Map.of("primary", report.primary() == null ? "" : report.primary())).doesNotContainValue("");
    }

    @Test
    @Order(7)
    void downThenUpResumesTheClusterOnItsDataAndLosesNothing() throws Exception {
        int acknowledgedBefore = writer.acknowledgedCount();
        long epochBefore = LOAD.status().epoch();
        String primaryBefore = primary();
        assertThat(Main.run("local", "down", "--dir", dir.toString())).as("local down").isZero();
        // The sentinels stop first: the primary sees nobody will take over and leaves its data a primary's.
        assertThat(LOAD.logOf(primaryBefore)).contains("no sentinel leads, so no member takes over now");
        // The API server comes back on its state file: the same cluster, not an empty one that would refuse the data.
        assertThat(Main.run("local", "up", "--dir", dir.toString(), "--rw-port", Integer.toString(config.rwPort()),
                "--ro-port", Integer.toString(config.roPort()), "--timeout", "240")).as("local up again").isZero();
        LOAD.cluster().reconnect();
        assertThat(LOAD.status().epoch()).as("the cluster's history went on, it did not start over").isGreaterThanOrEqualTo(epochBefore);
        await().atMost(Duration.ofSeconds(60)).until(() -> writer.acknowledgedCount() > acknowledgedBefore + 20);
        LOAD.assertNothingLost();
    }
}

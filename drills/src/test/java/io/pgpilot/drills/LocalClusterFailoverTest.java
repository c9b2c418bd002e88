package io.pgpilot.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpilot.cli.Main;
import io.pgpilot.cli.local.LocalConfig;
import io.pgpilot.cli.local.LocalLayout;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * End to end on real processes: `pgpilot local up` brings up the API server, three keepers, two sentinels
 * and the proxy; a writer inserts through the proxy and remembers every acknowledged row; a sampler checks
 * that no two members ever accept writes at once. Then the drills a user would run, in order, on the same
 * cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterFailoverTest {

    private Path dir;
    private LocalConfig config;
    private String password;
    private ClusterStore store;
    private AcknowledgedWriter writer;
    private PrimarySampler sampler;

    @BeforeAll
    void up() throws Exception {
        Path base = Path.of("/tmp/pgpilot-e2e");
        Files.createDirectories(base);
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        dir = Files.createTempDirectory(base, "cluster");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int rw = freePort();
        int ro = freePort();
        assertThat(Main.run("local", "up", "--dir", dir.toString(), "--rw-port", Integer.toString(rw), "--ro-port", Integer.toString(ro),
                "--timeout", "240")).as("local up").isZero();
        config = LocalConfig.read(dir);
        password = Files.readString(dir.resolve("secrets/superuser-password")).trim();
        store = config.store(dir.resolve("kubeconfig"), Duration.ofSeconds(3));
        writer = new AcknowledgedWriter(config.rwPort(), password).start();
        sampler = new PrimarySampler(config.keepers().stream().collect(Collectors.toMap(LocalConfig.Member::name, LocalConfig.Member::pgPort)), password).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledgedCount() > 20);
    }

    @AfterAll
    void down() throws Exception {
        try {
            if (writer != null) {
                writer.close();
            }
            if (sampler != null) {
                sampler.close();
                assertThat(sampler.violations()).as("moments when two members accepted writes").isEmpty();
            }
        } finally {
            if (store != null) {
                store.client().close();
            }
            // A failed run keeps its logs and data for a look; a green one leaves nothing behind.
            if (failed) {
                Main.run("local", "down", "--dir", dir.toString());
            } else {
                Main.run("local", "down", "--dir", dir.toString(), "--clean");
            }
        }
    }

    private static volatile boolean failed;

    @RegisterExtension
    static final TestWatcher FAILURES = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            failed = true;
        }
    };

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private StatusReport status() {
        return StatusReport.read(store);
    }

    private String primary() {
        return status().primary();
    }

    private String awaitNewPrimary(String old, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(20)).until(() -> {
            StatusReport report = status();
            return report.primary() != null && !report.primary().equals(old);
        });
        return primary();
    }

    private void assertNothingLost() throws Exception {
        Set<Long> lost = new HashSet<>();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            lost.clear();
            lost.addAll(writer.lost());
            return true;
        });
        assertThat(lost).as("acknowledged rows missing after the drill").isEmpty();
    }

    /**
     * Until the status shows {@code member} streaming (which it does once the primary sees its WAL receiver)
     * and its own keeper has published it too: the sentinel decides on the latter, and the next drill needs it.
     */
    private void awaitStreaming(String member) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> status().members().stream()
                .anyMatch(m -> m.name().equals(member) && "standby".equals(m.role()) && "streaming".equals(m.state())));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() -> store.listKeepers().stream()
                .anyMatch(k -> k.keeper().equals(member) && k.status().isFound() && k.status().orElseThrow().state() == MemberState.STREAMING));
    }

    private String logOf(String member) throws IOException {
        return Files.readString(new LocalLayout(dir).log(member));
    }

    /** The rows a member has, read directly from its PostgreSQL. */
    private Set<Long> rowsOn(String member) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", password);
        props.setProperty("sslmode", "disable");
        Set<Long> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + config.keeper(member).pgPort() + "/postgres", props);
             Statement s = c.createStatement(); var rs = s.executeQuery("select id from pgpilot_drill")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    @Test
    @Order(1)
    void gracefulStopPromotesWithoutWaitingForExpiryAndLosesNothing() throws Exception {
        String old = primary();
        long fault = System.nanoTime();
        assertThat(Main.run("local", "stop", "--dir", dir.toString(), old)).isZero();
        String promoted = awaitNewPrimary(old, Duration.ofSeconds(30));
        long firstAck = writer.firstAckAfter(fault, 30_000);
        assertThat(firstAck).as("writes resumed").isPositive();
        long unavailableMs = (firstAck - fault) / 1_000_000;
        assertThat(unavailableMs).as("handover after SIGTERM, ms; lease duration is %d", ClusterSpec.DEFAULT.leaseDurationMs())
                .isLessThan(ClusterSpec.DEFAULT.leaseDurationMs());
        assertThat(promoted).isNotEqualTo(old);
        assertNothingLost();
        // Before its process ended, the stopped primary saw who took over and left its data ready to follow it.
        await().atMost(Duration.ofSeconds(30)).until(() -> logOf(old).contains("prepared to follow " + promoted));
    }

    @Test
    @Order(2)
    void theFormerPrimaryComesBackAsAStandbyAndCatchesUp() throws Exception {
        String stopped = status().members().stream().filter(m -> "stopped".equals(m.state()) || "failed".equals(m.state()))
                .map(StatusReport.Member::name).findFirst().orElseThrow();
        String before = logOf(stopped);
        assertThat(Main.run("local", "start", "--dir", dir.toString(), stopped)).isZero();
        awaitStreaming(stopped);
        assertThat(logOf(stopped).substring(before.length())).as("the former primary's data was prepared at its stop: it streams before its keeper reads the cluster")
                .contains("started PostgreSQL").contains("in recovery with the previous run's settings before reading the cluster")
                .doesNotContain("pg_rewind done");
        Set<Long> acknowledged = writer.acknowledged();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> rowsOn(stopped).containsAll(acknowledged));
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
        awaitNewPrimary(old, Duration.ofSeconds(30));
        long firstAck = writer.firstAckAfter(fault, 30_000);
        assertThat((firstAck - fault) / 1_000_000).isLessThan(ClusterSpec.DEFAULT.leaseDurationMs());
        assertNothingLost();
        awaitStreaming(old);
    }

    @Test
    @Order(4)
    void switchoverUnderWriteLoadLosesNothing() throws Exception {
        String old = primary();
        await().atMost(Duration.ofSeconds(60)).until(() -> status().members().stream().filter(m -> !m.name().equals(old))
                .allMatch(m -> "streaming".equals(m.state())));
        assertThat(Main.run("switchover", "--dir", dir.toString(), "--cluster", config.cluster())).isZero();
        awaitNewPrimary(old, Duration.ofSeconds(30));
        assertNothingLost();
        awaitStreaming(old);
    }

    @Test
    @Order(5)
    void crashOfThePrimaryInSynchronousModeLosesNoAcknowledgedWrite() throws Exception {
        var spec = (Read.Found<ClusterSpec>) store.readSpec();
        ClusterSpec synchronous = spec.value().withChanges("{\"synchronousMode\": true}");
        assertThat(synchronous.synchronousMode()).isTrue();
        store.updateSpec(synchronous, spec.resourceVersion()).orElseThrow();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            var state = store.readState();
            return state instanceof Read.Found<io.pgpilot.cluster.ClusterState> found && found.value().synchronousQuorum() >= 1;
        });
        String old = primary();
        await().atMost(Duration.ofSeconds(30)).until(() -> store.listKeepers().stream()
                .filter(k -> k.keeper().equals(old)).anyMatch(k -> k.status().isFound() && !k.status().orElseThrow().synchronousStandbys().isEmpty()));
        long before = writer.acknowledgedCount();
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.acknowledgedCount() > before + 10);

        assertThat(Main.run("local", "kill", "--dir", dir.toString(), old)).isZero();
        long fault = System.nanoTime();
        awaitNewPrimary(old, Duration.ofSeconds(30));
        assertThat(writer.firstAckAfter(fault, 30_000)).as("writes resumed on the new primary").isPositive();
        assertNothingLost();

        assertThat(Main.run("local", "start", "--dir", dir.toString(), old)).isZero();
        awaitStreaming(old);
        Set<Long> acknowledged = writer.acknowledged();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> rowsOn(old).containsAll(acknowledged));
    }

    @Test
    @Order(6)
    void statusJsonNamesEveryMember() {
        StatusReport report = status();
        assertThat(report.members()).extracting(StatusReport.Member::name)
                .containsExactlyElementsOf(config.keepers().stream().map(LocalConfig.Member::name).toList());
        assertThat(Map.of("primary", report.primary() == null ? "" : report.primary())).doesNotContainValue("");
    }

    @Test
    @Order(7)
    void downThenUpResumesTheClusterOnItsDataAndLosesNothing() throws Exception {
        int acknowledgedBefore = writer.acknowledgedCount();
        long epochBefore = status().epoch();
        String primaryBefore = primary();
        assertThat(Main.run("local", "down", "--dir", dir.toString())).as("local down").isZero();
        // The sentinels stop first: the primary sees nobody will take over and leaves its data a primary's.
        assertThat(logOf(primaryBefore)).contains("no sentinel leads, so no member takes over now");
        // The API server comes back on its state file: the same cluster, not an empty one that would refuse the data.
        assertThat(Main.run("local", "up", "--dir", dir.toString(), "--rw-port", Integer.toString(config.rwPort()),
                "--ro-port", Integer.toString(config.roPort()), "--timeout", "240")).as("local up again").isZero();
        store.client().close();
        store = config.store(dir.resolve("kubeconfig"), Duration.ofSeconds(3));
        assertThat(status().epoch()).as("the cluster's history went on, it did not start over").isGreaterThanOrEqualTo(epochBefore);
        await().atMost(Duration.ofSeconds(60)).until(() -> writer.acknowledgedCount() > acknowledgedBefore + 20);
        assertNothingLost();
    }
}

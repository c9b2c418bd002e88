package io.pgpilot.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgpilot.cli.local.LocalLayout;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.cluster.MemberState;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A fresh local cluster under a writer through the proxy and a sampler of every member's own port, for a
 * class of end-to-end drills that run in order on it (a static {@code @RegisterExtension}). The cluster
 * comes up before the first drill; after the last one the sampler must have seen no moment with two
 * members accepting writes. A class with a failed drill keeps the cluster's logs and data for a look.
 */
final class ClusterUnderLoad implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private final String name;
    private final boolean synchronous;
    private final Duration writerInterval;
    private DrillCluster cluster;
    private AcknowledgedWriter writer;
    private PrimarySampler sampler;
    private volatile boolean failed;

    /**
     * @param name           the cluster directory's prefix under /tmp/pgpilot-e2e
     * @param synchronous    switch synchronous mode on (and wait until the primary applies it) before the drills
     * @param writerInterval one insert at most every this long; zero: back to back
     */
    ClusterUnderLoad(String name, boolean synchronous, Duration writerInterval) {
        this.name = name;
        this.synchronous = synchronous;
        this.writerInterval = writerInterval;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        cluster = DrillCluster.up("pgpilot-e2e", name);
        if (synchronous) {
            cluster.synchronous((condition, what) -> await().alias(what).atMost(Duration.ofSeconds(60)).until(condition::getAsBoolean));
        }
        writer = cluster.writer(writerInterval);
        sampler = cluster.sampler();
        await().atMost(Duration.ofSeconds(30)).until(() -> writer.acknowledgedCount() > 20);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (writer != null) {
                writer.close();
            }
            if (sampler != null) {
                sampler.close();
                assertThat(sampler.violations()).as("moments when two members accepted writes").isEmpty();
            }
        } finally {
            if (cluster != null) {
                if (failed) {
                    cluster.keep();
                }
                cluster.close();
            }
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        failed = true;
    }

    DrillCluster cluster() {
        return cluster;
    }

    AcknowledgedWriter writer() {
        return writer;
    }

    PrimarySampler sampler() {
        return sampler;
    }

    StatusReport status() {
        return cluster.status();
    }

    /** Until there is a primary and every other member streams. */
    StatusReport awaitHealthy() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> status().everyStandbyStreaming());
        return status();
    }

    /** Until another member than {@code old} is the primary and reports itself one; its name. */
    String awaitNewPrimary(String old) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
            StatusReport report = status();
            return report.primaryReportsItself() && !report.primary().equals(old);
        });
        return status().primary();
    }

    /**
     * Until the status shows {@code member} streaming (which it does once the primary sees its WAL receiver)
     * and its own keeper has published it too: the sentinel decides on the latter, and the next drill needs it.
     */
    void awaitStreaming(String member) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> status().members().stream()
                .anyMatch(m -> m.name().equals(member) && "standby".equals(m.role()) && "streaming".equals(m.state())));
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> cluster.store().listKeepers()
                .stream().anyMatch(k -> k.keeper().equals(member) && k.status().isFound() && k.status().orElseThrow().state() == MemberState.STREAMING));
    }

    /** No row the writer had acknowledged is missing from the primary. */
    void assertNothingLost() {
        Set<Long> lost = new HashSet<>();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            lost.clear();
            lost.addAll(writer.lost());
            return true;
        });
        assertThat(lost).as("acknowledged rows missing").isEmpty();
    }

    String logOf(String member) throws IOException {
        return Files.readString(new LocalLayout(cluster.dir()).log(member));
    }

    /** The rows the writer's table holds on {@code member}, read from its own PostgreSQL. */
    Set<Long> rowsOn(String member) throws SQLException {
        Set<Long> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cluster.config().keeper(member).pgPort() + "/postgres",
                PgConnections.properties(cluster.password(), 3, 10));
             Statement s = c.createStatement(); var rs = s.executeQuery("select id from " + AcknowledgedWriter.TABLE)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}

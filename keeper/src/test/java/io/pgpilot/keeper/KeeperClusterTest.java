package io.pgpilot.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.testing.KeeperProcess;
import io.pgpilot.keeper.testing.Sql;
import io.pgpilot.keeper.testing.TestDirs;
import io.pgpilot.keeper.testing.TestSentinel;
import io.pgpilot.process.Signal;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.Read;
import io.pgpilot.testing.ApiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three keepers as separate JVMs with real PostgreSQL 15 servers, against the local API server, with this
 * test playing the sentinel. One cluster's life, in order: bootstrap and streaming, the primary keeper
 * killed and a standby promoted, the old primary rejoining by pg_rewind, fencing when the API server
 * stalls, and a graceful stop of the primary.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeeperClusterTest {

    private static final String SUPERUSER_PW = "su-secret-123";
    private static final String REPLICATION_PW = "repl-secret-456";
    private static final Duration SLOW = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Path base;
    private ApiServer api;
    private ClusterStore store;
    private TestSentinel sentinel;
    private KeeperProcess k1;
    private KeeperProcess k2;
    private KeeperProcess k3;

    @BeforeAll
    void startCluster() throws Exception {
        base = TestDirs.create("cluster");
        api = ApiServer.start(base.resolve("api"));
        String namespace = ApiServer.freshNamespace();
        // A generous timeout for the test's own calls: the freshly started API server JVM answers its first requests slowly on a busy machine.
        store = new ClusterStore(api.client(Duration.ofSeconds(10)), namespace, new ObjectNames("c1"));
        sentinel = new TestSentinel(store);
        sentinel.writeSpec(TestSentinel.fastSpec());
        Path su = base.resolve("su.pw");
        Path repl = base.resolve("repl.pw");
        Files.writeString(su, SUPERUSER_PW + "\n");
        Files.writeString(repl, REPLICATION_PW + "\n");
        k1 = new KeeperProcess("k1", base, api.kubeconfig(), "c1", namespace, su, repl).start();
        k2 = new KeeperProcess("k2", base, api.kubeconfig(), "c1", namespace, su, repl).start();
        k3 = new KeeperProcess("k3", base, api.kubeconfig(), "c1", namespace, su, repl).start();
    }

    @AfterAll
    void stopCluster() {
        for (KeeperProcess k : new KeeperProcess[] {k1, k2, k3}) {
            if (k != null) {
                k.close();
            }
        }
        if (api != null) {
            api.close();
        }
        TestDirs.delete(base);
    }

    @Test
    @Order(1)
    void bootstrapsAPrimaryAndTwoStandbysStreamFromIt() throws Exception {
        await().atMost(SLOW).until(() -> status("k1").isPresent() && status("k2").isPresent() && status("k3").isPresent());
        sentinel.bootstrap("k1", List.of("k1", "k2", "k3"));

        await().atMost(SLOW).until(() -> status("k1").map(s -> s.role() == PostgresRole.PRIMARY && s.healthy()).orElse(false));
        await().atMost(SLOW).until(() -> streamingFrom("k2", "k1") && streamingFrom("k3", "k1"));

        Sql.execute(k1.pgPort, SUPERUSER_PW, "create table items (id int primary key, note text)");
        Sql.execute(k1.pgPort, SUPERUSER_PW, "insert into items values (1, 'committed on k1')");
        await().atMost(SLOW).until(() -> "committed on k1".equals(Sql.tryQuery(k2.pgPort, SUPERUSER_PW, "select note from items where id = 1")));
        await().atMost(SLOW).until(() -> "committed on k1".equals(Sql.tryQuery(k3.pgPort, SUPERUSER_PW, "select note from items where id = 1")));

        String sysid = status("k1").orElseThrow().systemIdentifier();
        assertThat(status("k2").orElseThrow().systemIdentifier()).isEqualTo(sysid);
        assertThat(status("k3").orElseThrow().systemIdentifier()).isEqualTo(sysid);
        // The primary's heartbeat row reaches the standbys, which report their lag in seconds from it.
        await().atMost(SLOW).until(() -> Sql.tryQuery(k2.pgPort, SUPERUSER_PW, "select keeper from pgpilot.heartbeat") != null
                && "k1".equals(Sql.tryQuery(k2.pgPort, SUPERUSER_PW, "select keeper from pgpilot.heartbeat")));
        // Replication is admitted only for the replication user, with its password from the file.
        assertThat(Sql.query(k1.pgPort, SUPERUSER_PW, "select rolreplication from pg_roles where rolname = 'replicator'")).isEqualTo("t");
        assertThat(Sql.query(k1.pgPort, SUPERUSER_PW, "select count(*) from pg_replication_slots where slot_name in ('pgpilot_k2', 'pgpilot_k3')")).isEqualTo("2");
        // Secrets never appear in a log or a command line the keeper wrote.
        assertThat(k1.logText() + Files.readString(k1.dataDir.resolve("postgresql.log"))).doesNotContain(SUPERUSER_PW).doesNotContain(REPLICATION_PW);
        assertThat(Files.readString(k2.dataDir.resolve("conf/postgresql.conf"))).doesNotContain(REPLICATION_PW).contains("application_name=k2");

        assertThat(httpCode("k1", "/primary")).isEqualTo(200);
        assertThat(httpCode("k1", "/lease")).isEqualTo(200);
        assertThat(httpCode("k2", "/primary")).isEqualTo(503);
        await().atMost(SLOW).until(() -> httpCode("k2", "/replica") == 200 && httpCode("k2", "/readiness") == 200);
        assertThat(httpCode("k2", "/lease")).isEqualTo(503);
        assertThat(httpBody("k1", "/metrics")).contains("pgpilot_keeper_is_primary 1.0");
    }

    @Test
    @Order(2)
    void killedPrimaryKeeperTakesItsPostgresAlongAndAPromotedStandbyIsFollowedWithoutReclone() throws Exception {
        KeeperStatus before = status("k1").orElseThrow();
        long postmasterPid = before.pid();
        assertThat(ProcessHandle.of(postmasterPid)).as("k1's postmaster runs").isPresent();
        long k3Clones = k3.countInLog("Clone:");

        // A commit neither standby receives: k1's WAL goes past the point where the next timeline forks off,
        // so its rejoin below needs pg_rewind.
        List<Long> senders = freezeWalSenders(k1, "k2", "k3");
        Sql.execute(k1.pgPort, SUPERUSER_PW, "insert into items values (100, 'only on k1')");
        k1.process().kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(postmasterPid).map(h -> !h.isAlive()).orElse(true));
        killFrozen(senders);

        long epoch = sentinel.promote("k2", "failover: k1 was killed");
        assertThat(epoch).isEqualTo(2);
        await().atMost(SLOW).until(() -> status("k2").map(s -> s.role() == PostgresRole.PRIMARY && s.healthy() && s.epoch() == 2).orElse(false));
        await().atMost(SLOW).until(() -> streamingFrom("k3", "k2"));

        Sql.execute(k2.pgPort, SUPERUSER_PW, "insert into items values (2, 'written on k2 after failover')");
        await().atMost(SLOW).until(() -> "written on k2 after failover".equals(Sql.tryQuery(k3.pgPort, SUPERUSER_PW, "select note from items where id = 2")));

        assertThat(k3.countInLog("Clone:")).as("k3 followed the new primary without a new base backup").isEqualTo(k3Clones);
        assertThat(k3.logText()).contains("re-pointed to 127.0.0.1:" + k2.pgPort + " by reload");
        assertThat(status("k3").orElseThrow().systemIdentifier()).isEqualTo(before.systemIdentifier());
        assertThat(status("k2").orElseThrow().timeline()).isEqualTo(2);
        assertThat(Sql.query(k2.pgPort, SUPERUSER_PW, "select count(*) from pg_replication_slots where slot_name in ('pgpilot_k1', 'pgpilot_k3')"))
                .as("the promoted primary created the other members' slots").isEqualTo("2");
    }

    @Test
    @Order(3)
    void restartedOldPrimaryRejoinsThroughPgRewind() throws Exception {
        k1.start();
        await().atMost(SLOW).until(() -> streamingFrom("k1", "k2"));
        assertThat(k1.logText()).contains("Rewind: former primary").contains("pg_rewind done");

        Sql.execute(k2.pgPort, SUPERUSER_PW, "insert into items values (3, 'after k1 rejoined')");
        await().atMost(SLOW).until(() -> "after k1 rejoined".equals(Sql.tryQuery(k1.pgPort, SUPERUSER_PW, "select note from items where id = 3")));
        assertThat(status("k1").orElseThrow().timeline()).isEqualTo(2);
    }

    @Test
    @Order(4)
    void crashedPostmasterIsDetectedAndRestartedInItsRole() throws Exception {
        // The postmaster that runs now, from its own pid file. A restart during the steps before (a re-point, a
        // rewind) may not be published yet; killing the published pid then hit a process already gone, and the
        // crash was never seen. Waiting for the status to name this pid also checks that it tells the truth.
        long pid = await().atMost(SLOW).until(() -> runningPostmasterPid(k3), running -> running > 0 && status("k3").map(s -> s.pid() == running).orElse(false));
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        await().atMost(SLOW).until(() -> status("k3").map(s -> s.pid() != pid && s.pid() > 0).orElse(false) && streamingFrom("k3", "k2"));
        assertThat(httpBody("k3", "/metrics")).contains("pgpilot_keeper_postgres_crashes_total 1.0");
        assertThat(k3.logText()).contains("postmaster exited unexpectedly");
    }

    @Test
    @Order(5)
    void primaryCutOffFromTheApiServerStopsAcceptingWritesWithinTheRenewDeadline() throws Exception {
        long renewDeadlineMs = TestSentinel.fastSpec().renewDeadlineMs();
        try (Connection open = Sql.connect(k2.pgPort, SUPERUSER_PW); Statement session = open.createStatement()) {
            session.execute("insert into items values (4, 'before the stall')");
            long stalledAt = System.nanoTime();
            api.stall();
            long refusedAfterMs;
            try {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> !canWrite(k2.pgPort));
                refusedAfterMs = (System.nanoTime() - stalledAt) / 1_000_000;
                assertThatThrownBy(() -> session.execute("insert into items values (5, 'open session after fencing')"))
                        .as("an open session cannot keep writing").isInstanceOf(SQLException.class);
            } finally {
                api.resume();
            }
            System.out.println("FENCING: writes refused " + refusedAfterMs + " ms after the API server stalled (renew deadline " + renewDeadlineMs + " ms)");
            // Safety needs it below leaseDurationMs (2000 ms); the bound asserted is much tighter.
            assertThat(refusedAfterMs).as("writes refused within the renew deadline plus 500 ms").isLessThan(renewDeadlineMs + 500);
        }
        assertThat(k2.logText()).contains("fencing: last successful lease renewal was");
        // The lease was never lost: once it can renew again, k2 is a writable primary again.
        await().atMost(SLOW).until(() -> canWrite(k2.pgPort));
        Sql.execute(k2.pgPort, SUPERUSER_PW, "insert into items values (5, 'after fencing ended')");
        for (KeeperProcess standby : List.of(k1, k3)) {
            await().atMost(SLOW).until(() -> "after fencing ended".equals(Sql.tryQuery(standby.pgPort, SUPERUSER_PW, "select note from items where id = 5")));
        }
    }

    @Test
    @Order(6)
    void sigtermOnThePrimaryReleasesTheLeaseAfterTheStandbysHaveItsFinalLsn() throws Exception {
        Sql.execute(k2.pgPort, SUPERUSER_PW, "insert into items values (6, 'last write before SIGTERM')");
        k2.process().signal(Signal.TERM);
        assertThat(k2.process().process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        PrimaryLease lease = ((Read.Found<PrimaryLease>) store.readPrimaryLease()).value();
        assertThat(lease.isReleased()).as("lease released on SIGTERM").isTrue();
        assertThat(lease.epoch()).isEqualTo(2);
        KeeperStatus last = status("k2").orElseThrow();
        assertThat(last.state()).isEqualTo(MemberState.STOPPED);
        assertThat(last.role()).isEqualTo(PostgresRole.NONE);
        Lsn finalLsn = last.finalLsn();
        assertThat(finalLsn).isNotEqualTo(Lsn.ZERO);
        // This test's sentinel runs no election: nothing takes over, and the data stays a primary's (Order 7).
        assertThat(k2.logText()).contains("no sentinel leads, so no member takes over now");
        for (KeeperProcess standby : List.of(k1, k3)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String replayed = Sql.tryQuery(standby.pgPort, SUPERUSER_PW, "select pg_last_wal_replay_lsn()");
                return replayed != null && Lsn.parse(replayed).compareTo(finalLsn) >= 0;
            });
            assertThat(Sql.query(standby.pgPort, SUPERUSER_PW, "select note from items where id = 6")).isEqualTo("last write before SIGTERM");
        }
    }

    @Test
    @Order(7)
    void aCleanlyStoppedPrimaryFollowsTheNextOneWithoutARewind() throws Exception {
        // k2 stopped cleanly above and both standbys received its last WAL: k1's timeline forks off at or after
        // the end of k2's WAL, so there is nothing to rewind.
        long epoch = sentinel.promote("k1", "failover: k2 stopped");
        await().atMost(SLOW).until(() -> status("k1").map(s -> s.role() == PostgresRole.PRIMARY && s.healthy() && s.epoch() == epoch).orElse(false));
        // The new primary publishes its timeline history: a member coming back checks its WAL against it.
        await().atMost(SLOW).until(() -> status("k1").map(s -> s.timeline() == 3 && s.timelineHistory().keySet().equals(java.util.Set.of(1, 2)))
                .orElse(false));
        k2.start();
        await().atMost(SLOW).until(() -> streamingFrom("k2", "k1") && streamingFrom("k3", "k1"));
        // Data that last ran as a primary is checked against the cluster before anything starts it.
        assertThat(k2.logText()).contains("PostgreSQL starts after the cluster is read: the data directory last ran as a primary")
                .contains("nothing to rewind").doesNotContain("pg_rewind done");
        Sql.execute(k1.pgPort, SUPERUSER_PW, "insert into items values (7, 'on k1 after k2 came back')");
        await().atMost(SLOW).until(() -> "on k1 after k2 came back".equals(Sql.tryQuery(k2.pgPort, SUPERUSER_PW, "select note from items where id = 7")));
    }

    @Test
    @Order(8)
    void aStandbyThatReplayedPastTheNewPrimarysForkPointIsRewoundAndFollowsIt() throws Exception {
        // k3 receives a commit that k2 never sees (k2's WAL receiver is frozen), then the primary k1 crashes and
        // k2 is promoted: k3's WAL goes past the point where k2's timeline forks off. PostgreSQL alone would wait
        // forever ("forked off ... before current recovery point"); the keeper rewinds it.
        long rewindsBefore = k3.countInLog("pg_rewind done");
        List<Long> senders = freezeWalSenders(k1, "k2");
        Sql.execute(k1.pgPort, SUPERUSER_PW, "insert into items values (8, 'only k3 received this')");
        await().atMost(SLOW).until(() -> "only k3 received this".equals(Sql.tryQuery(k3.pgPort, SUPERUSER_PW, "select note from items where id = 8")));
        long postmaster = status("k1").orElseThrow().pid();
        k1.process().kill();
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(postmaster).map(h -> !h.isAlive()).orElse(true));
        killFrozen(senders);
        long epoch = sentinel.promote("k2", "failover: k1 was killed (test: the standby with less WAL)");
        await().atMost(SLOW).until(() -> status("k2").map(s -> s.role() == PostgresRole.PRIMARY && s.healthy() && s.epoch() == epoch).orElse(false));

        // Not the first moment k3 reports streaming from k2: re-pointed by a reload, its WAL receiver can connect
        // and be reported before PostgreSQL has read k2's history and found the fork. The end state is a rewind.
        await().atMost(SLOW).until(() -> k3.countInLog("pg_rewind done") > rewindsBefore && streamingFrom("k3", "k2"));
        assertThat(k3.logText()).contains("Stop: standby replayed past the point where k2's timeline forked off");
        Sql.execute(k2.pgPort, SUPERUSER_PW, "insert into items values (9, 'on k2 after the rewind of k3')");
        await().atMost(SLOW).until(() -> "on k2 after the rewind of k3".equals(Sql.tryQuery(k3.pgPort, SUPERUSER_PW, "select note from items where id = 9")));
        assertThat(Sql.query(k3.pgPort, SUPERUSER_PW, "select count(*) from items where id = 8"))
                .as("k3 now holds exactly the new primary's history").isEqualTo("0");
    }

    @Test
    @Order(9)
    void aKeeperThatCannotReadItsLastStatusAtStartCarriesItOverFromItsFirstHeartbeat() throws Exception {
        // What a member published before a restart (its positions, a primary's synchronous set) is what the
        // sentinel decides on until PostgreSQL runs again. A keeper restarted while the API server does not
        // answer must not give it up: a whole-cluster restart in synchronous mode would then wait forever.
        k3.close();
        await().atMost(SLOW).until(() -> status("k3").map(s -> s.state() == MemberState.STOPPED).orElse(false));
        long failedReads = k3.countInLog("cannot read this keeper's last published status");
        long carried = k3.countInLog("carrying over the last published position");
        api.stall();
        try {
            k3.start();
            await().atMost(SLOW).until(() -> k3.countInLog("cannot read this keeper's last published status") > failedReads);
        } finally {
            api.resume();
        }
        await().atMost(SLOW).until(() -> k3.countInLog("carrying over the last published position") > carried);
        await().atMost(SLOW).until(() -> streamingFrom("k3", "k2"));
    }

    @Test
    @Order(10)
    void aRestartedStandbysPostgresStartsBeforeItsKeeperReadsTheClusterAndTakesSpecChangesMadeMeanwhile() throws Exception {
        // A restarted standby's PostgreSQL starts with the previous run's settings as the keeper's first act, so it
        // streams again while the keeper's JVM is still starting. A setting the spec changed while the member was
        // down must still reach it: once the keeper has read the spec it restarts PostgreSQL with it.
        k3.close();
        await().atMost(SLOW).until(() -> status("k3").map(s -> s.state() == MemberState.STOPPED).orElse(false));
        var spec = (Read.Found<ClusterSpec>) store.readSpec();
        Map<String, String> parameters = new java.util.TreeMap<>(spec.value().postgresParameters());
        parameters.put("work_mem", "7MB");
        String json = parameters.entrySet().stream().map(e -> "\"" + e.getKey() + "\": \"" + e.getValue() + "\"")
                .collect(java.util.stream.Collectors.joining(", ", "{\"postgresParameters\": {", "}}"));
        store.updateSpec(spec.value().withChanges(json), spec.resourceVersion()).orElseThrow();
        long early = k3.countInLog("in recovery with the previous run's settings before reading the cluster");
        long restarts = k3.countInLog("restart with the new ones");
        k3.start();
        await().atMost(SLOW).until(() -> k3.countInLog("in recovery with the previous run's settings before reading the cluster") > early);
        await().atMost(SLOW).until(() -> k3.countInLog("restart with the new ones") > restarts);
        await().atMost(SLOW).until(() -> "7MB".equals(Sql.tryQuery(k3.pgPort, SUPERUSER_PW, "show work_mem")));
        await().atMost(SLOW).until(() -> streamingFrom("k3", "k2"));
        Sql.execute(k2.pgPort, SUPERUSER_PW, "insert into items values (10, 'on k2 after k3 restarted with the new settings')");
        await().atMost(SLOW).until(() -> "on k2 after k3 restarted with the new settings".equals(
                Sql.tryQuery(k3.pgPort, SUPERUSER_PW, "select note from items where id = 10")));
    }

    private static boolean canWrite(int port) {
        try (Connection c = Sql.connect(port, SUPERUSER_PW); Statement st = c.createStatement()) {
            st.execute("update pgpilot.heartbeat set beat = beat where id = 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /**
     * SIGSTOPs the primary's WAL senders to these standbys, so that what it commits next reaches only the
     * others. A stopped sender does not notice its postmaster's death: {@link #killFrozen} ends it, which is
     * when its standby sees the stream end.
     */
    private static List<Long> freezeWalSenders(KeeperProcess primary, String... standbys) throws Exception {
        List<Long> pids = new java.util.ArrayList<>();
        for (String standby : standbys) {
            long pid = Long.parseLong(Sql.query(primary.pgPort, SUPERUSER_PW, "select pid from pg_stat_replication where application_name = '" + standby + "'"));
            new ProcessBuilder("kill", "-STOP", Long.toString(pid)).start().waitFor();
            pids.add(pid);
        }
        return pids;
    }

    /** The pid in the postmaster's own pid file, 0 while there is none (PostgreSQL restarting). */
    private static long runningPostmasterPid(KeeperProcess k) throws IOException {
        Path pidFile = k.dataDir.resolve("pgdata/postmaster.pid");
        List<String> lines = Files.exists(pidFile) ? Files.readAllLines(pidFile) : List.of();
        return lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).trim());
    }

    private static void killFrozen(List<Long> pids) throws Exception {
        for (long pid : pids) {
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
        }
    }

    private Optional<KeeperStatus> status(String keeper) {
        try {
            for (KeeperRecord r : store.listKeepers()) {
                if (r.keeper().equals(keeper) && r.status() instanceof Read.Found<KeeperStatus> found) {
                    return Optional.of(found.value());
                }
            }
        } catch (RuntimeException e) {
            // the API server may be stalled by a test step
        }
        return Optional.empty();
    }

    private boolean streamingFrom(String keeper, String upstream) {
        return status(keeper).map(s -> s.role() == PostgresRole.STANDBY && s.state() == MemberState.STREAMING && upstream.equals(s.upstream()))
                .orElse(false);
    }

    private int httpCode(String keeper, String path) {
        try {
            return http(keeper, path).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String httpBody(String keeper, String path) throws Exception {
        return http(keeper, path).body();
    }

    private HttpResponse<String> http(String keeper, String path) throws Exception {
        int port = status(keeper).orElseThrow().httpPort();
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(3)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

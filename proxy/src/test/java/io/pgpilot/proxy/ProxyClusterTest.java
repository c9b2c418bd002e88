package io.pgpilot.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.config.Settings;
import io.pgpilot.proxy.net.ListenerOptions;
import io.pgpilot.proxy.support.FakeKeeper;
import io.pgpilot.proxy.support.PgClient;
import io.pgpilot.proxy.support.PostgresServer;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.testing.ApiServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy following a cluster in the local API server (its own process), in front of two real
 * PostgreSQL servers whose keepers are simulated: status and lease published with ClusterStore, and
 * GET /lease answered by a tiny HTTP server.
 */
class ProxyClusterTest {

    static Path base;
    static ApiServer api;
    static PostgresServer a;
    static PostgresServer b;

    ClusterStore store;
    Proxy proxy;
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeAll
    static void startServers() throws Exception {
        base = PostgresServer.baseDir("cluster");
        // Started from this (long-lived) thread: the parent-death signal fires when the starting *thread* ends.
        a = PostgresServer.start(base, "a", "max_connections=600");
        b = PostgresServer.start(base, "b");
        api = ApiServer.start(base.resolve("api"));
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (api != null) {
            api.close();
        }
        PostgresServer.removeAll(base);
    }

    @AfterEach
    void closeEverything() throws Exception {
        api.resume();
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** A fresh namespace with a spec of the given timings, and a proxy following it. */
    private void cluster(long renewIntervalMs, long renewDeadlineMs, long leaseDurationMs, long primaryWaitMs, boolean fallback) throws Exception {
        store = new ClusterStore(api.client(), ApiServer.freshNamespace(), new ObjectNames("demo"));
        // After a test that stalled the API server, it first works through the requests queued meanwhile.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> store.readSpec() != null);
        store.createSpec(new ClusterSpec(3, false, 1, false, 1024 * 1024, 16 * 1024 * 1024, renewIntervalMs, renewDeadlineMs,
                leaseDurationMs, 300_000, false, Map.of(), List.of(), true)).orElseThrow();
        int httpPort = PostgresServer.freePort();
        ProxyConfig config = new ProxyConfig(new ListenerOptions("127.0.0.1", 0, 0, primaryWaitMs, 10_000, 2000, 2, "auto"),
                "127.0.0.1", httpPort, fallback, null, null);
        proxy = Proxy.start(config, new ClusterStore(api.client(Duration.ofMillis(1500)), store.namespace(), store.names()));
    }

    private FakeKeeper keeper(String name, PostgresServer pg, PostgresRole role, long beatMs) throws Exception {
        FakeKeeper keeper = new FakeKeeper(name, pg, store);
        closeAfter.add(keeper);
        keeper.publish(role);
        keeper.startHeartbeat(beatMs);
        return keeper;
    }

    private static int serverPort(PgClient client) throws Exception {
        return Integer.parseInt(client.query("select inet_server_port()"));
    }

    /** Connects through rw on another thread; the future holds the port of the server it reached. */
    private CompletableFuture<Integer> rwServerPortLater() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return serverPort(rw());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private PgClient rw() throws Exception {
        PgClient client = PgClient.connect(proxy.rwPort());
        closeAfter.add(client);
        return client;
    }

    @Test
    void rwFollowsTheLeaseHolderAndDropsConnectionsToTheOldOneAtOnce() throws Exception {
        cluster(500, 2500, 3500, 5000, false);
        FakeKeeper k1 = keeper("k1", a, PostgresRole.PRIMARY, 500);
        FakeKeeper k2 = keeper("k2", b, PostgresRole.STANDBY, 500);
        k1.renew(true);
        PrimaryLease lease = store.createPrimaryLease("k1").orElseThrow();
        k1.sawLease(lease);

        List<PgClient> onA = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            onA.add(rw());
        }
        for (PgClient c : onA) {
            assertThat(serverPort(c)).isEqualTo(a.port());
        }
        List<CompletableFuture<Long>> closedAt = new ArrayList<>();
        ExecutorService readers = Executors.newCachedThreadPool();
        for (PgClient c : onA) {
            closedAt.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return c.closedWithin(Duration.ofSeconds(30)) ? System.nanoTime() : -1L;
                } catch (Exception e) {
                    return -1L;
                }
            }, readers));
        }

        // Switchover: k2 is promoted, then the lease moves to it.
        k2.publish(PostgresRole.PRIMARY);
        k1.renew(false);
        k2.renew(true);
        PrimaryLease moved = store.transferPrimaryLease(store.readPrimaryLease().orElseThrow(), "k2").orElseThrow();
        k2.sawLease(moved);

        long latest = 0;
        for (CompletableFuture<Long> f : closedAt) {
            long at = f.get();
            assertThat(at).as("every connection to the old primary is closed").isPositive();
            latest = Math.max(latest, at);
        }
        readers.shutdown();
        long observed = proxy.switchboard().lastPrimaryChangeNanos();
        assertThat((latest - observed) / 1_000_000).as("ms from observing the change to the last close").isLessThan(200);
        assertThat(serverPort(rw())).isEqualTo(b.port());
        assertThat(proxy.metrics().switches()).isGreaterThanOrEqualTo(2);   // none -> k1 -> k2
        assertThat(scrape()).contains("pgpilot_proxy_connections_active{address=\"127.0.0.1:" + b.port() + "\",backend=\"k2\",listener=\"rw\"} 1.0");
    }

    @Test
    void aStalledApiServerDoesNotCutAPrimaryThatConfirmsButANonConfirmingOneIsCut() throws Exception {
        // Lease trusted 600 ms by the proxy's own view, a confirmation 300 ms; the keeper's deadline is 3 s.
        cluster(300, 3000, 4000, 1000, false);
        FakeKeeper k1 = keeper("k1", a, PostgresRole.PRIMARY, 300);
        k1.renew(true);
        k1.sawLease(store.createPrimaryLease("k1").orElseThrow());
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.switchboard().table().primary() != null);
        PgClient client = rw();
        assertThat(serverPort(client)).isEqualTo(a.port());

        api.stall();
        // Two seconds without the API server (shorter than the 3 s deadline): the primary stays valid throughout...
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> proxy.switchboard().table().primary() != null);
        // ...because its keeper confirms, not because of the lease, which the proxy has not seen renewed since.
        assertThat(proxy.switchboard().table().primary().basis()).contains("confirmed by its keeper");
        assertThat(client.query("select 'still here'")).isEqualTo("still here");
        assertThat(serverPort(rw())).as("new rw connections work during the stall").isEqualTo(a.port());

        // The keeper stops confirming (it fenced itself): its connections go, still with the API server stalled.
        k1.confirm(false);
        assertThat(client.closedWithin(Duration.ofSeconds(2))).isTrue();
        long started = System.nanoTime();
        assertThatThrownBy(this::rw).isInstanceOf(PgClient.ServerError.class)
                .hasMessageContaining("57P03").hasMessageContaining("no primary is available");
        assertThat((System.nanoTime() - started) / 1_000_000).as("the client waited --primary-wait-ms first").isGreaterThanOrEqualTo(900);
        api.resume();
    }

    @Test
    void aNewRwClientWaitsForAPrimaryInsteadOfFailing() throws Exception {
        cluster(500, 2500, 3500, 8000, false);
        FakeKeeper k1 = keeper("k1", a, PostgresRole.PRIMARY, 500);
        k1.renew(true);
        CompletableFuture<Integer> waiting = rwServerPortLater();
        // No lease yet: the client is neither routed nor refused while the wait lasts.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
        k1.sawLease(store.createPrimaryLease("k1").orElseThrow());
        assertThat(waiting.get()).isEqualTo(a.port());
        assertThat(scrape()).containsPattern("pgpilot_proxy_primary_wait_seconds_count\\{outcome=\"primary\"\\} 1");
    }

    @Test
    void aRwClientWhosePrimaryRefusesConnectionsWaitsForTheNextOneInsteadOfFailing() throws Exception {
        cluster(500, 2500, 3500, 8000, false);
        FakeKeeper k1 = keeper("k1", a, PostgresRole.PRIMARY, 500);
        int nothingListens = PostgresServer.freePort();
        k1.advertisePort(nothingListens);
        k1.publish(PostgresRole.PRIMARY);
        k1.renew(true);
        k1.sawLease(store.createPrimaryLease("k1").orElseThrow());
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.switchboard().table().primary() != null
                && proxy.switchboard().table().primary().backend().port() == nothingListens);
        CompletableFuture<Integer> client = rwServerPortLater();
        // The primary's PostgreSQL refuses connections (it is going down for a handoff): the client waits.
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !client.isDone());
        k1.advertisePort(0);
        k1.publish(PostgresRole.PRIMARY);
        assertThat(client.get()).as("connected once the primary is reachable, without an error").isEqualTo(a.port());
    }

    @Test
    void cancelThroughRoReachesTheStandbyRunningTheQuery() throws Exception {
        cluster(500, 2500, 3500, 5000, false);
        keeper("sa", a, PostgresRole.STANDBY, 500);
        keeper("sb", b, PostgresRole.STANDBY, 500);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.switchboard().table().readers().size() == 2);

        // pgjdbc's default sslmode=prefer sends an SSLRequest first: the proxy's 'N' makes it go on in plain text.
        String url = "jdbc:postgresql://127.0.0.1:" + proxy.roPort() + "/postgres?user=postgres";
        try (Connection c1 = DriverManager.getConnection(url); Connection c2 = DriverManager.getConnection(url);
             Statement s1 = c1.createStatement(); Statement s2 = c2.createStatement()) {
            Set<Integer> ports = new HashSet<>(List.of(port(s1), port(s2)));
            assertThat(ports).as("least connections spreads them").containsExactlyInAnyOrder(a.port(), b.port());
            PostgresServer server1 = port(s1) == a.port() ? a : b;
            PostgresServer server2 = server1 == a ? b : a;

            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<?> q1 = pool.submit(() -> s1.execute("select pg_sleep(60)"));
            Future<?> q2 = pool.submit(() -> s2.execute("select pg_sleep(60)"));
            await().atMost(Duration.ofSeconds(10)).until(() -> sleeping(server1) == 1 && sleeping(server2) == 1);

            s1.cancel();   // a CancelRequest on a new connection to the proxy's ro port
            assertThatThrownBy(() -> q1.get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(SQLException.class).hasMessageContaining("canceling statement due to user request");
            assertThat(sleeping(server2)).as("the other standby's query runs on").isEqualTo(1);
            assertThat(q2).isNotDone();

            s2.cancel();
            assertThatThrownBy(() -> q2.get(10, java.util.concurrent.TimeUnit.SECONDS)).hasMessageContaining("canceling statement");
            pool.shutdown();
        }
        assertThat(scrape()).contains("pgpilot_proxy_cancel_requests_total{outcome=\"forwarded\"} 2.0");
    }

    @Test
    void fiveHundredConcurrentClientsThroughRw() throws Exception {
        cluster(500, 2500, 3500, 5000, false);
        FakeKeeper k1 = keeper("k1", a, PostgresRole.PRIMARY, 500);
        k1.renew(true);
        k1.sawLease(store.createPrimaryLease("k1").orElseThrow());
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<Future<PgClient>> opening = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            opening.add(pool.submit(() -> {
                PgClient c = PgClient.connect(proxy.rwPort());
                c.query("select 1");
                return c;
            }));
        }
        List<PgClient> clients = new ArrayList<>();
        for (Future<PgClient> f : opening) {
            clients.add(f.get());
        }
        closeAfter.addAll(clients);
        assertThat(proxy.switchboard().openLinks()).isEqualTo(500);
        List<Future<String>> answers = new ArrayList<>();
        for (PgClient c : clients) {
            answers.add(pool.submit(() -> c.query("select pg_backend_pid()")));
        }
        Set<String> pids = new HashSet<>();
        for (Future<String> f : answers) {
            pids.add(f.get());
        }
        assertThat(pids).as("500 distinct server sessions at once").hasSize(500);
        for (PgClient c : clients) {
            c.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.switchboard().openLinks() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> sessions(a) == 0);
        pool.shutdown();
    }

    @Test
    void badFlagsAreAllReportedAtOnce() {
        assertThatThrownBy(() -> ProxyConfig.from(Settings.parse("proxy",
                new String[] {"--rw-port", "70000", "--primary-wait-ms", "soon", "--bogus", "1"}, Map.of(), ProxyConfig.SWITCHES)))
                .isInstanceOf(Settings.BadSettingsException.class)
                .hasMessageContaining("--cluster")
                .hasMessageContaining("--rw-port is 70000")
                .hasMessageContaining("--primary-wait-ms is 'soon'")
                .hasMessageContaining("unknown flag --bogus");
        assertThatThrownBy(() -> ProxyConfig.from(Settings.parse("proxy", new String[] {"--static-backend", "nohost"}, Map.of(),
                ProxyConfig.SWITCHES))).hasMessageContaining("give HOST:PORT");
    }

    private static int port(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("select inet_server_port()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int sleeping(PostgresServer server) throws SQLException {
        try (Connection c = server.connectDirect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity where query = 'select pg_sleep(60)' and state = 'active'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int sessions(PostgresServer server) throws SQLException {
        try (Connection c = server.connectDirect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}

package io.pgpilot.keeper.member;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.http.KeeperHttpApi;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import io.pgpilot.testing.ApiServer;
import io.pgpilot.testing.ApiServerExtension;
import io.pgpilot.testing.StallableRelay;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.ResponseEntity;

/**
 * Failsafe between two members, each with its heartbeat and fence watchdog against the API server (its own
 * process), over stand-ins for PostgreSQL: the primary "me" and its standby "k2", whose confirmations come
 * from the keeper's own HTTP handler over HTTP. An outage is the whole API server stalled, or a relay in front
 * of it stalled for "me" alone (a partition between the primary and the control plane).
 */
class FailsafeTest {

    private static final Duration WITHIN = Duration.ofSeconds(15);

    @RegisterExtension
    static final ApiServerExtension API = new ApiServerExtension();

    ClusterStore store;
    StallableRelay relay;
    HttpServer k2Http;
    /** Released when the test ends; k2's HTTP handler waits on it while k2 is frozen. */
    final CountDownLatch thaw = new CountDownLatch(1);
    volatile boolean k2Frozen;
    final AtomicInteger k2Confirmations = new AtomicInteger();
    RunningMember me;
    RunningMember k2;

    @AfterEach
    void stopMembers() throws Exception {
        thaw.countDown();
        API.server().resume();
        if (relay != null) {
            relay.resume();
        }
        for (RunningMember m : new RunningMember[] {me, k2}) {
            if (m != null) {
                m.close();
            }
        }
        if (k2Http != null) {
            k2Http.stop(0);
        }
        if (relay != null) {
            relay.close();
        }
    }

    /** renew 200 ms, renew deadline 2 s, lease 3 s, as in HeartbeatAndFenceTest. */
    private static ClusterSpec spec(boolean failsafe) {
        return new ClusterSpec(2, false, 1, false, 1024 * 1024, 16 * 1024 * 1024, 200, 2_000, 3_000, 300_000, false, Map.of(), List.of(), failsafe);
    }

    /** "me" serving as the primary at epoch 1 and "k2" streaming from it, both published. */
    private void cluster(ClusterSpec spec) throws IOException {
        String namespace = ApiServer.freshNamespace();
        ObjectNames names = new ObjectNames("c");
        store = new ClusterStore(API.server().client(Duration.ofSeconds(10)), namespace, names);
        store.createSpec(spec).orElseThrow();
        store.createState(new ClusterState(1, 1, Phase.NORMAL, "test", "me", Map.of("me", MemberPlan.primary(), "k2", MemberPlan.standbyOf("me")),
                List.of(), 0, List.of())).orElseThrow();
        store.createPrimaryLease("me").orElseThrow();

        k2Http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        k2Http.setExecutor(Executors.newCachedThreadPool());
        StandInPostgres k2Postgres = new StandInPostgres();
        k2Postgres.runAs(PostgresRole.STANDBY);
        k2 = new RunningMember("k2", k2Http.getAddress().getPort(), k2Postgres,
                new ClusterStore(API.server().client(Duration.ofMillis(500)), namespace, names), API.dir().resolve("k2-" + namespace));
        KeeperHttpApi k2Api = new KeeperHttpApi(k2.member, k2.metrics);
        k2Http.createContext("/failsafe", exchange -> answer(exchange, k2Api));
        k2Http.start();

        relay = API.server().relay();
        StandInPostgres mePostgres = new StandInPostgres();
        mePostgres.runAs(PostgresRole.PRIMARY);
        me = new RunningMember("me", 8008, mePostgres, new ClusterStore(API.server().clientThrough(relay, Duration.ofMillis(500)), namespace, names),
                API.dir().resolve("me-" + namespace));
        await().atMost(WITHIN).until(() -> me.member.permission().granted());
        me.member.observed(mePostgres.observe());
        assertThat(me.member.becomeWritable()).isTrue();
        // Failsafe needs the members it asks published first (the status the convergence loop derives), and k2's
        // address read.
        await().atMost(WITHIN).until(() -> {
            me.member.refreshStatus(mePostgres.observe(), me.member.view(), null);
            return publishedFailsafeMembers("me").equals(List.of("k2", "me")) && me.member.view().keepers().containsKey("k2");
        });
    }

    private void answer(HttpExchange exchange, KeeperHttpApi k2Api) throws IOException {
        if (k2Frozen) {
            try {
                thaw.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<String, String> query = new HashMap<>();
        for (String pair : exchange.getRequestURI().getQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            query.put(kv[0], kv[1]);
        }
        ResponseEntity<String> response = k2Api.failsafe(query.get("primary"), Long.parseLong(query.get("epoch")), Long.parseLong(query.get("windowMs")));
        if (response.getStatusCode().value() == 200) {
            k2Confirmations.incrementAndGet();
        }
        byte[] body = String.valueOf(response.getBody()).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(response.getStatusCode().value(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private List<String> publishedFailsafeMembers(String keeper) {
        return store.listKeepers().stream().filter(r -> r.keeper().equals(keeper) && r.status().isFound())
                .map(r -> r.status().orElseThrow().failsafeMembers()).findFirst().orElse(List.of());
    }

    private PrimaryLease lease() {
        return store.readPrimaryLease().orElseThrow();
    }

    @Test
    void thePrimaryKeepsWritingThroughAnApiOutageWhileEveryMemberConfirmsItAndRenewsTheSameLeaseAfter() throws Exception {
        cluster(spec(true));
        API.server().stall();
        await().atMost(WITHIN).until(() -> me.member.inFailsafe());
        await().during(Duration.ofMillis(3 * 2_000)).atMost(WITHIN)
                .until(() -> me.postgres.stoppedAtRenewalAgeMs == -1 && me.member.isServingPrimary());
        assertThat(k2Confirmations.get()).as("confirmed round after round").isGreaterThan(5);
        assertThat(k2.member.outstandingPromise()).contains("promised me");
        assertThat(me.member.renewal().millisSinceRenewal()).isBetween(0L, 2_000L);

        API.server().resume();
        await().atMost(WITHIN).until(() -> !me.member.inFailsafe());
        String version = lease().resourceVersion();
        await().atMost(WITHIN).until(() -> !lease().resourceVersion().equals(version));
        assertThat(lease().holder()).isEqualTo("me");
        assertThat(lease().epoch()).as("the same term").isEqualTo(1);
        assertThat(me.postgres.stoppedAtRenewalAgeMs).as("never fenced").isEqualTo(-1);
    }

    @Test
    void aMemberThatStopsAnsweringEndsFailsafeAndThePrimaryFencesAtItsRenewDeadline() throws Exception {
        cluster(spec(true));
        API.server().stall();
        await().atMost(WITHIN).until(() -> me.member.inFailsafe());
        k2Frozen = true;   // a frozen standby: its keeper accepts the connection and never answers
        await().atMost(WITHIN).until(() -> me.postgres.stoppedAtRenewalAgeMs >= 0);
        long age = me.postgres.stoppedAtRenewalAgeMs;
        System.out.println("FAILSAFE: fenced when the last confirmed round was " + age + " ms old (renew deadline 2000 ms)");
        assertThat(age).as("fenced at the renew deadline after the last confirmed round").isBetween(2_000L, 2_100L);
        assertThat(me.member.fenced()).isTrue();
        assertThat(me.member.inFailsafe()).isFalse();
    }

    @Test
    void aPromotionDecidedWhileThePrimaryIsInFailsafeWaitsUntilThePrimaryHasFenced() throws Exception {
        cluster(spec(true));
        relay.stall();   // the primary alone loses the API server; k2 and the "sentinel" (this test) still reach it
        await().atMost(WITHIN).until(() -> me.member.inFailsafe());
        // The sentinel sees the primary's Lease expire and promotes k2: C-state first, then the Lease.
        ClusterState promoted = new ClusterState(2, 2, Phase.NORMAL, "PRIMARY_LEASE_EXPIRED", "k2",
                Map.of("k2", MemberPlan.primary(), "me", MemberPlan.standbyOf("k2")), List.of(), 0, List.of());
        store.updateState(promoted, ((Read.Found<ClusterState>) store.readState()).resourceVersion()).orElseThrow();
        store.transferPrimaryLease(lease(), "k2").orElseThrow();
        await().atMost(WITHIN).until(() -> k2.member.permission().granted());
        String refusal = k2.member.promise("me", 1, 3_000);
        assertThat(refusal).as("a member planned as the primary confirms no other").contains("plans k2 as the primary");

        // What k2's convergence loop does: become writable as soon as it may.
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(5)).until(() -> k2.member.becomeWritable());
        long k2Writable = System.nanoTime();
        assertThat(me.postgres.stoppedAtRenewalAgeMs).as("the old primary fenced first").isGreaterThanOrEqualTo(0);
        long marginMs = (k2Writable - me.postgres.stoppedAtNanos) / 1_000_000;
        System.out.println("FAILSAFE: the old primary fenced " + marginMs + " ms before the promoted member became writable");
        assertThat(marginMs).as("the promise outlasts the old primary's renew deadline by leaseDuration - renewDeadline").isGreaterThan(500);
    }

    @Test
    void withFailsafeOffThePrimaryFencesAtItsRenewDeadlineAndAsksNoOne() throws Exception {
        cluster(spec(false));
        API.server().stall();
        await().atMost(WITHIN).until(() -> me.postgres.stoppedAtRenewalAgeMs >= 0);
        assertThat(me.postgres.stoppedAtRenewalAgeMs).isBetween(2_000L, 2_100L);
        assertThat(k2Confirmations.get()).isZero();
        assertThat(me.member.inFailsafe()).isFalse();
    }
}

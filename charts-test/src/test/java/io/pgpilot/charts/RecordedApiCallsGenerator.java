package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.Phase;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.PrimaryLease;
import io.pgpilot.store.Read;
import io.pgpilot.testing.ApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: the generator of {@code src/test/resources/recorded-api-calls.txt}, the API calls
 * {@link RoleTest} checks the chart's Role against. It runs every operation of
 * {@link ClusterStore} (the only way keeper, sentinel, proxy and CLI reach cluster state) plus the
 * sentinels' Lease election, as the components do, against the local API server, and saves the server's
 * audit log.
 *
 * <p>The better recording is the audit log of a real run of keeper, sentinel and proxy (the end-to-end
 * tests' {@code api-audit.log}): copy it over the file, and RoleTest checks the Role against that. Run
 * this generator only to rebuild the file from the store's operations:
 * {@code mvn -pl charts-test test -Dtest=RecordedApiCallsGenerator -Dpgpilot.record-api-calls=true}.
 */
@EnabledIfSystemProperty(named = "pgpilot.record-api-calls", matches = "true",
        disabledReason = "regenerates src/test/resources/recorded-api-calls.txt; run with -Dpgpilot.record-api-calls=true")
class RecordedApiCallsGenerator {

    @TempDir
    Path dir;

    @Test
    void recordEveryClusterStoreOperation() throws Exception {
        String namespace = ApiServer.freshNamespace();
        List<String> audit;
        try (ApiServer api = ApiServer.start(dir)) {
            KubernetesClient client = api.client(Duration.ofSeconds(5));
            ClusterStore store = new ClusterStore(client, namespace, new ObjectNames("demo"));

            // Every component watches the cluster's Leases and ConfigMaps (list, then watch).
            AtomicInteger changes = new AtomicInteger();
            try (AutoCloseable watch = store.watch(changes::incrementAndGet)) {
                // The user's spec (Helm creates it in a real cluster; the CLI reads and edits it).
                store.createSpec(ClusterSpec.DEFAULT).orElseThrow();
                Read.Found<ClusterSpec> spec = found(store.readSpec());
                store.updateSpec(spec.value().withPause(true), spec.resourceVersion()).orElseThrow();

                // Keepers: publish status (create, then update), and read the primary Lease and the state.
                KeeperStatus k0 = KeeperStatus.starting("demo-keeper-0", "10.0.0.10", 5432, 8008);
                String rv0 = resourceVersionOf(store.publishKeeperStatus(k0, null));
                store.publishKeeperStatus(k0, rv0).orElseThrow();
                store.publishKeeperStatus(KeeperStatus.starting("demo-keeper-1", "10.0.0.11", 5432, 8008), null).orElseThrow();
                store.publishKeeperStatus(KeeperStatus.starting("demo-keeper-1", "10.0.0.11", 5432, 8008), null).orElseThrow();

                // The sentinel: election, keepers and their Pods, state, primary Lease, requests, Events.
                elect(client, namespace, new ObjectNames("demo").sentinelLease());
                assertThat(store.listKeepers()).hasSize(2);
                store.listKeeperPods();
                store.readState();
                store.createState(ClusterState.INITIAL).orElseThrow();
                Read.Found<ClusterState> state = found(store.readState());
                ClusterState bootstrap = state.value().next(Phase.NORMAL, "bootstrap", "demo-keeper-0", 1,
                        Map.of("demo-keeper-0", MemberPlan.primary(), "demo-keeper-1", MemberPlan.standbyOf("demo-keeper-0")), List.of(), 0);
                store.updateState(bootstrap, state.resourceVersion()).orElseThrow();
                store.readPrimaryLease();
                PrimaryLease granted = store.createPrimaryLease("demo-keeper-0").orElseThrow();
                store.recordEvent("sentinel", "Bootstrap", "demo-keeper-0 initialises the cluster", false);

                // The primary keeper renews, then hands over on SIGTERM by releasing the lease.
                PrimaryLease renewed = store.renewPrimaryLease(granted, "demo-keeper-0").orElseThrow();
                PrimaryLease released = store.releasePrimaryLease(renewed, "demo-keeper-0").orElseThrow();
                store.transferPrimaryLease(released, "demo-keeper-1").orElseThrow();

                // The CLI asks for a switchover; the sentinel reads and answers it.
                store.readRequest();
                OperatorRequest asked = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "demo-keeper-0");
                store.writeRequest(asked, null).orElseThrow();
                String requestVersion = ((Read.Found<OperatorRequest>) store.readRequest()).resourceVersion();
                store.writeRequest(asked.answered(OperatorRequest.DONE, "switched"), requestVersion).orElseThrow();

                // A departed keeper is retired.
                store.deleteKeeper("demo-keeper-1");

                await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() > 0);
            }
            Path log = dir.resolve("api-audit.log");
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(log).contains("watch=true"));
            audit = Files.readAllLines(log).stream().filter(line -> line.contains("/namespaces/" + namespace + "/")).toList();
        }
        assertThat(audit).as("the store's requests in namespace " + namespace).isNotEmpty();

        List<String> file = new ArrayList<>();
        file.add("# API calls of pgpilot's components, one per line as the local API server's --audit-log writes them.");
        file.add("# Generated by charts-test RecordedApiCallsGenerator from every ClusterStore operation and the sentinel Lease election;");
        file.add("# replace it with the api-audit.log of an end-to-end run of keeper, sentinel and proxy for a recording of the real components.");
        file.addAll(audit);
        Path target = PgpilotChart.repositoryRoot().resolve("charts-test/src/test/resources/recorded-api-calls.txt");
        Files.write(target, file);
    }

    private static <T> Read.Found<T> found(Read<T> read) {
        if (read instanceof Read.Found<T> found) {
            return found;
        }
        throw new AssertionError("expected to read " + read.object() + ", got " + read);
    }

    private static String resourceVersionOf(io.pgpilot.store.Write<?> write) {
        return ((io.pgpilot.store.Write.Written<?>) write).resourceVersion();
    }

    /** The sentinels' election as fabric8's LeaderElector runs it: acquire, renew, release on cancel. */
    private static void elect(KubernetesClient client, String namespace, String lease) {
        AtomicBoolean leading = new AtomicBoolean();
        CompletableFuture<?> election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(lease)
                .withLock(new LeaseLock(namespace, lease, "demo-sentinel-a"))
                .withLeaseDuration(Duration.ofSeconds(4)).withRenewDeadline(Duration.ofSeconds(3)).withRetryPeriod(Duration.ofMillis(200))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(() -> leading.set(true), () -> leading.set(false), leader -> { }))
                .build()).build().start();
        await().atMost(Duration.ofSeconds(10)).untilTrue(leading);
        election.cancel(true);
        await().atMost(Duration.ofSeconds(10)).untilFalse(leading);
    }
}

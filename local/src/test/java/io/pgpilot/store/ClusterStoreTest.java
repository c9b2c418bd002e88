package io.pgpilot.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.testing.ApiServer;
import io.pgpilot.testing.ApiServerExtension;
import io.pgpilot.testing.FakeClock;
import io.pgpilot.time.LeaseObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store against the local API server, running as its own process and reached over HTTP. */
class ClusterStoreTest {

    @RegisterExtension
    static final ApiServerExtension API = new ApiServerExtension();

    ClusterStore store;
    ClusterStore otherStore;
    KubernetesClient raw;
    String namespace;

    @BeforeEach
    void freshNamespace() {
        namespace = ApiServer.freshNamespace();
        ObjectNames names = new ObjectNames("demo");
        store = new ClusterStore(API.server().client(), namespace, names);
        otherStore = new ClusterStore(API.server().client(), namespace, names);
        raw = API.server().client();
    }

    @Test
    void aSentinelLeadsWhileTheElectionLeaseNamesAHolderWhateverItsRenewTimeSays() {
        assertThat(store.sentinelLeads()).as("no election Lease yet").isFalse();
        Lease election = new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata().withName("demo-sentinel").endMetadata()
                .withNewSpec().withHolderIdentity("sentinel-a").withLeaseDurationSeconds(5)
                .withRenewTime(java.time.ZonedDateTime.now().minusDays(1)).endSpec().build();
        Lease created = raw.leases().inNamespace(namespace).resource(election).create();
        assertThat(store.sentinelLeads()).as("a renew time from another clock is not judged by this one").isTrue();
        created.getSpec().setHolderIdentity("");
        raw.leases().inNamespace(namespace).resource(created).update();
        assertThat(store.sentinelLeads()).as("released by a sentinel that stopped").isFalse();
    }

    private ClusterState stateWithPrimary(ClusterState from, String primary) {
        return from.next(Phase.NORMAL, "test", primary, from.epoch() + 1, Map.of(primary, MemberPlan.primary()), List.of(), 0);
    }

    @Test
    void twoClientsRacingOnTheSameStateExactlyOneWinsAndTheLoserReReads() throws Exception {
        store.createState(ClusterState.INITIAL).orElseThrow();
        var seen = store.readState();
        String rv = ((Read.Found<ClusterState>) seen).resourceVersion();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch start = new CountDownLatch(1);
        try {
            Callable<Write<ClusterState>> a = () -> {
                start.await();
                return store.updateState(stateWithPrimary(ClusterState.INITIAL, "k0"), rv);
            };
            Callable<Write<ClusterState>> b = () -> {
                start.await();
                return otherStore.updateState(stateWithPrimary(ClusterState.INITIAL, "k1"), rv);
            };
            Future<Write<ClusterState>> fa = pool.submit(a);
            Future<Write<ClusterState>> fb = pool.submit(b);
            start.countDown();
            List<Write<ClusterState>> outcomes = List.of(fa.get(), fb.get());
            assertThat(outcomes).filteredOn(Write::succeeded).hasSize(1);
            assertThat(outcomes).filteredOn(w -> w instanceof Write.Conflict).hasSize(1);
            String winner = outcomes.stream().filter(Write::succeeded).findFirst().orElseThrow().orElseThrow().primary();
            // The loser re-reads and sees the winner's decision, not its own.
            assertThat(store.readState().orElseThrow().primary()).isEqualTo(winner);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manyRacesNeverLetTwoWritersWinTheSameVersion() throws Exception {
        store.createSpec(ClusterSpec.DEFAULT).orElseThrow();
        AtomicInteger wins = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                String rv = ((Read.Found<ClusterSpec>) store.readSpec()).resourceVersion();
                // Every writer writes something different from the others and from what is stored.
                int base = 3 * round + 10;
                List<Future<Write<ClusterSpec>>> results = pool.invokeAll(List.of(
                        () -> store.updateSpec(replicas(base), rv),
                        () -> otherStore.updateSpec(replicas(base + 1), rv),
                        () -> store.updateSpec(replicas(base + 2), rv)));
                int roundWins = 0;
                for (var result : results) {
                    roundWins += result.get().succeeded() ? 1 : 0;
                }
                assertThat(roundWins).as("round %d", round).isEqualTo(1);
                wins.addAndGet(roundWins);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(wins).hasValue(20);
    }

    private static ClusterSpec replicas(int replicas) {
        return ClusterSpec.fromJson("{\"replicas\": " + replicas + "}");
    }

    @Test
    void aStaleResourceVersionIsRefusedAndNothingChanges() {
        store.createState(ClusterState.INITIAL).orElseThrow();
        String stale = ((Read.Found<ClusterState>) store.readState()).resourceVersion();
        ClusterState first = stateWithPrimary(ClusterState.INITIAL, "k0");
        store.updateState(first, stale).orElseThrow();

        Write<ClusterState> late = store.updateState(stateWithPrimary(ClusterState.INITIAL, "k1"), stale);

        assertThat(late).isInstanceOf(Write.Conflict.class);
        assertThat(((Write.Conflict<ClusterState>) late).object()).isEqualTo("ConfigMap demo-state");
        assertThat(store.readState().orElseThrow()).isEqualTo(first);
    }

    @Test
    void creatingWhatExistsIsAConflictNotAnOverwrite() {
        store.createSpec(ClusterSpec.DEFAULT.withPause(true)).orElseThrow();
        assertThat(otherStore.createSpec(ClusterSpec.DEFAULT)).isInstanceOf(Write.Conflict.class);
        assertThat(store.readSpec().orElseThrow().pause()).isTrue();
    }

    @Test
    void primaryLeaseTransferBumpsTheEpochAndTheFormerHolderCannotRenew() {
        PrimaryLease granted = store.createPrimaryLease("k0").orElseThrow();
        assertThat(granted.epoch()).isEqualTo(1);
        PrimaryLease renewed = store.renewPrimaryLease(granted, "k0").orElseThrow();
        assertThat(renewed.resourceVersion()).isNotEqualTo(granted.resourceVersion());
        assertThat(renewed.epoch()).isEqualTo(1);

        PrimaryLease moved = otherStore.transferPrimaryLease(renewed, "k1").orElseThrow();
        assertThat(moved.holder()).isEqualTo("k1");
        assertThat(moved.epoch()).isEqualTo(2);

        // k0 still believes what it last saw; its renewal must fail, and a fresh read shows it lost.
        assertThat(store.renewPrimaryLease(renewed, "k0")).isInstanceOf(Write.Conflict.class);
        PrimaryLease current = store.readPrimaryLease().orElseThrow();
        assertThat(store.renewPrimaryLease(current, "k0")).isInstanceOf(Write.Conflict.class);
        assertThat(store.readPrimaryLease().orElseThrow()).isEqualTo(moved);
    }

    @Test
    void aTransferRacingARenewalLetsOnlyOneThrough() {
        PrimaryLease granted = store.createPrimaryLease("k0").orElseThrow();
        Write<PrimaryLease> renewal = store.renewPrimaryLease(granted, "k0");
        Write<PrimaryLease> transfer = otherStore.transferPrimaryLease(granted, "k1");
        assertThat(renewal.succeeded()).isTrue();
        assertThat(transfer).isInstanceOf(Write.Conflict.class);
        assertThat(store.readPrimaryLease().orElseThrow().holder()).isEqualTo("k0");
    }

    @Test
    void releaseKeepsTheEpochAndTheNextHolderGetsTheNextOne() {
        PrimaryLease granted = store.createPrimaryLease("k0").orElseThrow();
        PrimaryLease released = store.releasePrimaryLease(granted, "k0").orElseThrow();
        assertThat(released.isReleased()).isTrue();
        assertThat(released.epoch()).isEqualTo(1);
        assertThat(store.renewPrimaryLease(released, "k0")).isInstanceOf(Write.Conflict.class);
        assertThat(otherStore.transferPrimaryLease(released, "k2").orElseThrow().epoch()).isEqualTo(2);
    }

    @Test
    void aLeaseNotRenewedForItsDurationIsExpiredForAnObserverByItsOwnClock() {
        FakeClock clock = new FakeClock();
        LeaseObserver observer = new LeaseObserver(clock);
        PrimaryLease lease = store.createPrimaryLease("k0").orElseThrow();
        observer.observe("demo-primary", store.readPrimaryLease().orElseThrow().resourceVersion());
        clock.advanceMillis(5_000);
        lease = store.renewPrimaryLease(lease, "k0").orElseThrow();
        observer.observe("demo-primary", store.readPrimaryLease().orElseThrow().resourceVersion());
        clock.advanceMillis(5_000);
        assertThat(observer.isExpired("demo-primary", 8_000)).as("renewed 5 s ago").isFalse();
        // No more renewals: the record stays the same, and the observer's own clock runs out.
        clock.advanceMillis(3_001);
        observer.observe("demo-primary", store.readPrimaryLease().orElseThrow().resourceVersion());
        assertThat(observer.isExpired("demo-primary", 8_000)).isTrue();
    }

    @Test
    void keeperStatusIsPublishedOnItsOwnLeaseAndListed() {
        KeeperStatus status = KeeperStatus.starting("demo-keeper-0", "127.0.0.1", 5432, 8008);
        Write<KeeperStatus> first = store.publishKeeperStatus(status, null);
        String rv = ((Write.Written<KeeperStatus>) first).resourceVersion();
        store.publishKeeperStatus(status.toBuilder().timeline(2).build(), rv).orElseThrow();
        // A stale version from the keeper's point of view is a conflict too.
        assertThat(store.publishKeeperStatus(status, rv)).isInstanceOf(Write.Conflict.class);

        List<KeeperRecord> keepers = otherStore.listKeepers();
        assertThat(keepers).singleElement().satisfies(record -> {
            assertThat(record.keeper()).isEqualTo("demo-keeper-0");
            assertThat(record.status().orElseThrow().timeline()).isEqualTo(2);
        });
    }

    @Test
    void corruptStatusAnnotationIsReportedWithTheLeaseNameAndNotSkipped() {
        store.publishKeeperStatus(KeeperStatus.starting("demo-keeper-1", "127.0.0.1", 5432, 8008), null).orElseThrow();
        Lease lease = raw.leases().inNamespace(namespace).withName("demo-keeper-demo-keeper-1").get();
        lease.getMetadata().getAnnotations().put(ObjectNames.ANNOTATION_STATUS, "{\"name\": \"demo-keeper-1\", \"port\": ");
        raw.leases().inNamespace(namespace).resource(lease).update();

        KeeperRecord record = store.listKeepers().get(0);
        assertThat(record.status()).isInstanceOf(Read.Corrupt.class);
        assertThatThrownBy(() -> record.status().orElseThrow())
                .isInstanceOf(Read.CorruptObjectException.class)
                .hasMessageContaining("Lease demo-keeper-demo-keeper-1")
                .hasMessageContaining("annotation pgpilot.io/status");
    }

    @Test
    void corruptStateIsReportedWithTheConfigMapNameAndReplacedOnlyAfterItIsSetAside() {
        raw.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("demo-state").endMetadata()
                .withData(Map.of("state.json", "{\"generation\": \"seven\"")).build()).create();

        Read<ClusterState> read = store.readState();

        assertThat(read).isInstanceOf(Read.Corrupt.class);
        assertThat(((Read.Corrupt<ClusterState>) read).describe())
                .startsWith("ConfigMap demo-state cannot be read: key 'state.json'");
        assertThat(store.createState(ClusterState.INITIAL)).as("never replaced behind the user's back").isInstanceOf(Write.Conflict.class);
        assertThat(raw.configMaps().inNamespace(namespace).withName("demo-state").get().getData().get("state.json"))
                .isEqualTo("{\"generation\": \"seven\"");

        String copy = store.setAside("demo-state");
        assertThat(copy).startsWith("demo-state-unreadable-");
        var kept = raw.configMaps().inNamespace(namespace).withName(copy).get();
        assertThat(kept.getData()).containsEntry("state.json", "{\"generation\": \"seven\"");
        assertThat(kept.getMetadata().getAnnotations()).containsEntry(ObjectNames.ANNOTATION_SET_ASIDE_FROM, "demo-state");
        assertThat(store.updateState(ClusterState.INITIAL, ((Read.Corrupt<ClusterState>) read).resourceVersion()).succeeded())
                .as("replaced by compare-and-swap on the version that was set aside").isTrue();
    }

    @Test
    void anInvalidSpecIsReadAsCorruptWithEveryProblem() {
        raw.configMaps().inNamespace(namespace).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("demo-spec").endMetadata()
                .withData(Map.of("spec.json", "{\"renewDeadlineMs\": 9000, \"replicas\": 0}")).build()).create();
        Read<ClusterSpec> read = store.readSpec();
        assertThat(read).isInstanceOf(Read.Corrupt.class);
        assertThat(((Read.Corrupt<ClusterSpec>) read).problem())
                .contains("leaseDurationMs is 8000")
                .contains("replicas is 0");
    }

    @Test
    void watchersAreToldOfChanges() throws Exception {
        AtomicInteger changes = new AtomicInteger();
        try (AutoCloseable watch = otherStore.watchSignificant(changes::incrementAndGet, false)) {
            int before = changes.get();
            store.createPrimaryLease("k0").orElseThrow();
            await().atMost(Duration.ofSeconds(5)).until(() -> changes.get() > before);
        }
    }

    @Test
    void aLeaseRenewalIsRoutineWhileANewHolderAndAKeeperPodsChangeAreSignificant() throws Exception {
        List<ClusterStore.Change> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable watch = otherStore.watch(seen::add, true)) {
            PrimaryLease lease = store.createPrimaryLease("k0").orElseThrow();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(ClusterStore.Change.SIGNIFICANT));
            seen.clear();
            store.renewPrimaryLease(lease, "k0").orElseThrow();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(ClusterStore.Change.ROUTINE));
            assertThat(seen).as("a renewal changes neither holder nor epoch").doesNotContain(ClusterStore.Change.SIGNIFICANT);

            seen.clear();
            raw.pods().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.PodBuilder()
                    .withNewMetadata().withName("demo-keeper-0").withLabels(new ObjectNames("demo").labels("keeper")).endMetadata()
                    .build()).create();
            await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(ClusterStore.Change.SIGNIFICANT));
        }
    }

    @Test
    void theApiServerRefusesNothingButAnUnreachableOneIsReportedAsUnavailable() {
        ClusterStore nowhere = new ClusterStore(
                io.pgpilot.store.KubeClients.create(writeKubeconfigFor("http://127.0.0.1:1"), Duration.ofMillis(500)), namespace,
                new ObjectNames("demo"));
        assertThatThrownBy(nowhere::readState)
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageStartingWith("Kubernetes API: cannot read ConfigMap demo-state");
    }

    private static Path writeKubeconfigFor(String server) {
        try {
            Path file = API.dir().resolve("unreachable-kubeconfig");
            String text = java.nio.file.Files.readString(API.server().kubeconfig()).replaceAll("server: .*", "server: " + server);
            java.nio.file.Files.writeString(file, text);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void kubectlListsALeaseTheStoreCreated() throws Exception {
        store.createPrimaryLease("demo-keeper-0").orElseThrow();
        store.createSpec(ClusterSpec.DEFAULT).orElseThrow();
        Process kubectl = new ProcessBuilder("kubectl", "--kubeconfig", API.server().kubeconfig().toString(), "-n", namespace,
                "get", "leases,configmaps", "-o", "name").redirectErrorStream(true).start();
        String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor()).as(out).isZero();
        assertThat(out).contains("lease.coordination.k8s.io/demo-primary").contains("configmap/demo-spec");
    }
}

package io.pgpilot.sentinel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.local.JavaProcess;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import io.pgpilot.testing.ApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two sentinels as separate JVMs against the local API server, with simulated keepers: kill -9 the leader
 * and the other one leads within the lease duration, and the two never write in the same period.
 */
class TwoSentinelsTest {

    static final ClusterSpec SPEC = new ClusterSpec(3, false, 1, false, 1024 * 1024, 16 * 1024 * 1024, 300, 1_500, 2_000, 60_000, false,
            Map.of(), List.of(), true);

    @TempDir
    Path dir;
    ApiServer api;
    final List<JavaProcess> sentinels = new ArrayList<>();
    ScheduledExecutorService simulator;
    /** Kept after the run (under target/) so a failure can be read. */
    final Path logs = Path.of("target", "two-sentinels", ApiServer.freshNamespace());

    @AfterEach
    void stopAll() {
        if (simulator != null) {
            simulator.shutdownNow();
        }
        sentinels.forEach(JavaProcess::kill);
        if (api != null) {
            api.close();
        }
    }

    private JavaProcess sentinel(String name, String namespace) throws Exception {
        JavaProcess p = JavaProcess.start(name, SentinelMain.class.getName(), List.of("--cluster", "demo", "--namespace", namespace,
                "--kubeconfig", api.kubeconfig().toString(), "--name", name), logs.resolve(name + ".log"), Map.of());
        sentinels.add(p);
        return p;
    }

    @Test
    void killingTheLeaderHandsLeadershipOverWithinTheLeaseDurationWithoutTwoWriters() throws Exception {
        api = ApiServer.start(dir.resolve("api"));
        String namespace = ApiServer.freshNamespace();
        ObjectNames names = new ObjectNames("demo");
        // A generous timeout: the first requests to a just-started API server on a busy machine are slow.
        ClusterStore store = new ClusterStore(api.client(Duration.ofSeconds(10)), namespace, names);
        store.createSpec(SPEC).orElseThrow();
        SimulatedKeepers keepers = new SimulatedKeepers(store);
        List.of("k0", "k1", "k2").forEach(keepers::join);

        // Keepers heartbeat, the primary renews, and every C-state version is recorded as it is seen.
        List<Long> generations = new ArrayList<>();
        simulator = Executors.newSingleThreadScheduledExecutor();
        simulator.scheduleWithFixedDelay(() -> {
            try {
                keepers.heartbeat();
                keepers.renewAsHolder("k0");
                if (store.readState() instanceof Read.Found<ClusterState> found) {
                    synchronized (generations) {
                        if (generations.isEmpty() || generations.get(generations.size() - 1) != found.value().generation()) {
                            generations.add(found.value().generation());
                        }
                    }
                }
            } catch (RuntimeException e) {
                // the next round tries again
            }
        }, 0, 100, TimeUnit.MILLISECONDS);

        JavaProcess a = sentinel("sentinel-a", namespace);
        JavaProcess b = sentinel("sentinel-b", namespace);

        await().atMost(Duration.ofSeconds(60)).until(() -> store.readState() instanceof Read.Found<ClusterState> s && "k0".equals(s.value().primary()));
        String leaderName = holder(store, names);
        assertThat(leaderName).isIn("sentinel-a", "sentinel-b");
        JavaProcess leader = leaderName.equals("sentinel-a") ? a : b;
        JavaProcess other = leader == a ? b : a;

        long killedAt = System.nanoTime();
        leader.kill();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> other.name().equals(holder(store, names)));
        long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
        System.out.println("takeover after kill -9: " + takeoverMs + " ms (lease " + SPEC.leaseDurationMs() + " ms, retry " + SPEC.renewIntervalMs() + " ms)");
        // Within the lease duration from the leader's last renewal, plus one retry period of the new leader.
        assertThat(takeoverMs).isLessThanOrEqualTo(SPEC.leaseDurationMs() + 2 * SPEC.renewIntervalMs());

        // The new leader decides: a keeper joins and is planned as a standby.
        keepers.join("k3");
        await().atMost(Duration.ofSeconds(15)).until(() -> store.readState().orElseThrow().members().containsKey("k3"));

        synchronized (generations) {
            for (int i = 1; i < generations.size(); i++) {
                assertThat(generations.get(i)).as("generations seen " + generations).isGreaterThan(generations.get(i - 1));
            }
        }
        String logA = Files.readString(a.log());
        String logB = Files.readString(b.log());
        assertThat(logA + logB).as("no sentinel lost a compare-and-swap").doesNotContain("lost compare-and-swap");
        assertThat(Files.readString(other.log())).contains("SCALE_UP");
        // Each C-state generation was written by exactly one sentinel.
        List<String> writtenByA = written(logA);
        List<String> writtenByB = written(logB);
        assertThat(writtenByA).doesNotContainAnyElementsOf(writtenByB);
        assertThat(writtenByB).as("the new leader wrote").isNotEmpty();
    }

    private static List<String> written(String log) {
        return log.lines().filter(l -> l.contains("wrote C-state generation"))
                .map(l -> l.substring(l.indexOf("wrote C-state generation"))).toList();
    }

    private static String holder(ClusterStore store, ObjectNames names) {
        Lease lease = store.client().leases().inNamespace(store.namespace()).withName(names.sentinelLease()).get();
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }
}

package io.pgpilot.localapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pgpilot.store.KubeClients;
import io.pgpilot.testing.ApiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local API server's state file: what a stopped local cluster needs to start again. */
class LocalApiServerStateTest {

    private static final String NAMESPACE = "state";

    @TempDir
    Path dir;

    @Test
    void configMapsAndLeasesAcknowledgedBeforeASigkillAreThereAfterARestart() throws Exception {
        Path stateFile = dir.resolve("api-state.json");
        String oldVersion;
        try (ApiServer first = ApiServer.start(dir.resolve("first"), stateFile)) {
            KubernetesClient client = first.client();
            oldVersion = client.configMaps().inNamespace(NAMESPACE).resource(configMap("demo-state", "{\"epoch\":7}")).create()
                    .getMetadata().getResourceVersion();
            client.leases().inNamespace(NAMESPACE).resource(lease("demo-primary", "demo-keeper-1")).create();
            client.configMaps().inNamespace(NAMESPACE).resource(configMap("gone", "{}")).create();
            client.configMaps().inNamespace(NAMESPACE).withName("gone").delete();
            client.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName("demo-keeper-0").endMetadata().build()).create();
            createConcurrently(first, 20);
            // close() is SIGKILL: no shutdown snapshot, so only what was written before each answer survives.
        }

        try (ApiServer second = ApiServer.start(dir.resolve("second"), stateFile)) {
            KubernetesClient client = second.client();
            ConfigMap state = client.configMaps().inNamespace(NAMESPACE).withName("demo-state").get();
            assertThat(state).as("the ConfigMap acknowledged before the kill").isNotNull();
            assertThat(state.getData()).containsEntry("state", "{\"epoch\":7}");
            assertThat(state.getMetadata().getLabels()).containsEntry("app.kubernetes.io/instance", "demo");
            assertThat(state.getMetadata().getAnnotations()).containsEntry("pgpilot.io/note", "kept");
            Lease primary = client.leases().inNamespace(NAMESPACE).withName("demo-primary").get();
            assertThat(primary.getSpec().getHolderIdentity()).isEqualTo("demo-keeper-1");
            assertThat(primary.getSpec().getLeaseTransitions()).isEqualTo(3);
            assertThat(client.configMaps().inNamespace(NAMESPACE).withName("gone").get()).isNull();
            assertThat(client.configMaps().inNamespace(NAMESPACE).withLabel("batch", "concurrent").list().getItems()).hasSize(20);
            assertThat(client.pods().inNamespace(NAMESPACE).list().getItems()).as("Pods are not kept").isEmpty();

            // A version from before the restart never matches again: the old client would re-read, not overwrite.
            String restoredVersion = state.getMetadata().getResourceVersion();
            assertThat(Long.parseLong(restoredVersion)).isGreaterThan(Long.parseLong(oldVersion));
            ConfigMap stale = new ConfigMapBuilder(state).editMetadata().withResourceVersion(oldVersion).endMetadata()
                    .withData(Map.of("state", "{\"epoch\":8,\"stale\":true}")).build();
            assertThatThrownBy(() -> client.configMaps().inNamespace(NAMESPACE).resource(stale).update())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

            ConfigMap next = new ConfigMapBuilder(state).withData(Map.of("state", "{\"epoch\":8}")).build();
            client.configMaps().inNamespace(NAMESPACE).resource(next).update();
            assertThat(client.configMaps().inNamespace(NAMESPACE).withName("demo-state").get().getData())
                    .containsEntry("state", "{\"epoch\":8}");
            Lease renewed = new LeaseBuilder(primary).editSpec().withHolderIdentity("demo-keeper-2").endSpec().build();
            assertThat(client.leases().inNamespace(NAMESPACE).resource(renewed).update().getSpec().getHolderIdentity())
                    .isEqualTo("demo-keeper-2");
        }
    }

    private static void createConcurrently(ApiServer api, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<ConfigMap>> created = IntStream.range(0, count).mapToObj(i -> pool.submit(() -> api.client().configMaps()
                    .inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName("concurrent-" + i)
                            .addToLabels("batch", "concurrent").endMetadata().build()).create())).toList();
            for (Future<ConfigMap> future : created) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCorruptStateFileStopsTheProcessWithExitCode2AndSaysWhatToDo() throws Exception {
        Path stateFile = dir.resolve("api-state.json");
        Files.writeString(stateFile, "{\"format\":1,\"configMaps\":[{\"metadata\":");

        assertThatThrownBy(() -> ApiServer.start(dir.resolve("corrupt"), stateFile))
                .hasMessageContaining("exited with code 2")
                .hasMessageContaining("api-server: the API state file " + stateFile + " is not valid JSON")
                .hasMessageContaining("move it away to start with an empty API server");
        assertThat(Files.readString(stateFile)).as("the file is left as it was").isEqualTo("{\"format\":1,\"configMaps\":[{\"metadata\":");
    }

    @Test
    void aStateFileWithAnObjectTheServerRefusesIsNamedInTheException() throws Exception {
        Path stateFile = dir.resolve("api-state.json");
        Files.writeString(stateFile, """
                {"format": 1, "resourceVersion": "5", "leases": [],
                 "configMaps": [{"metadata": {"name": "twice", "namespace": "ns"}}, {"metadata": {"name": "twice", "namespace": "ns"}}]}""");

        assertThatThrownBy(() -> LocalApiServer.start(0, null, stateFile))
                .isInstanceOf(StateFileException.class)
                .hasMessageStartingWith("the API state file " + stateFile + " holds ConfigMap ns/twice, which the API server refuses (409")
                .hasMessageNotContaining("\n");
    }

    @Test
    void anEmptyStateFileOrOneOfAnotherFormatIsRefused() throws Exception {
        Path stateFile = dir.resolve("api-state.json");
        Files.writeString(stateFile, "");
        assertThatThrownBy(() -> LocalApiServer.start(0, null, stateFile))
                .isInstanceOf(StateFileException.class)
                .hasMessage("the API state file " + stateFile + " is not a JSON object; repair it, or move it away to start with an empty API server");

        Files.writeString(stateFile, "{\"format\": 2, \"resourceVersion\": \"1\", \"configMaps\": [], \"leases\": []}");
        assertThatThrownBy(() -> LocalApiServer.start(0, null, stateFile))
                .isInstanceOf(StateFileException.class)
                .hasMessageContaining(" has format 2; this server reads format 1;");
    }

    @Test
    void theStateFileIsWrittenBeforeTheAnswerAndOnClose() throws Exception {
        Path stateFile = dir.resolve("api-state.json");
        LocalApiServer server = LocalApiServer.start(0, null, stateFile);
        try (KubernetesClient client = client(server)) {
            assertThat(stateFile).as("nothing to save before the first change").doesNotExist();
            client.configMaps().inNamespace(NAMESPACE).resource(configMap("demo-spec", "{}")).create();
            assertThat(Files.readString(stateFile)).contains("\"demo-spec\"");
            client.leases().inNamespace(NAMESPACE).resource(lease("demo-primary", "demo-keeper-0")).create();
            assertThat(Files.readString(stateFile)).contains("\"demo-primary\"");
        }
        Files.delete(stateFile);
        server.close();
        assertThat(Files.readString(stateFile)).as("close() writes a last snapshot").contains("\"demo-spec\"", "\"demo-primary\"");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .as("no temp file is left behind").containsExactlyInAnyOrder("api-state.json", "kubeconfig");
        }
    }

    @Test
    void withoutAStateFileNothingIsWrittenAndARestartIsEmpty() throws Exception {
        try (LocalApiServer server = LocalApiServer.start(0, null, null);
             KubernetesClient client = client(server)) {
            client.configMaps().inNamespace(NAMESPACE).resource(configMap("demo-spec", "{}")).create();
            client.leases().inNamespace(NAMESPACE).resource(lease("demo-primary", "demo-keeper-0")).create();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("kubeconfig");
        }
        try (LocalApiServer server = LocalApiServer.start(0, null, null);
             KubernetesClient client = client(server)) {
            assertThat(client.configMaps().inNamespace(NAMESPACE).list().getItems()).isEmpty();
        }
    }

    private KubernetesClient client(LocalApiServer server) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        server.writeKubeconfig(kubeconfig, NAMESPACE);
        return KubeClients.create(kubeconfig, Duration.ofSeconds(2));
    }

    private static ConfigMap configMap(String name, String state) {
        return new ConfigMapBuilder().withNewMetadata().withName(name)
                .addToLabels("app.kubernetes.io/instance", "demo").addToAnnotations("pgpilot.io/note", "kept").endMetadata()
                .addToData("state", state).build();
    }

    private static Lease lease(String name, String holder) {
        return new LeaseBuilder().withNewMetadata().withName(name).addToLabels("app.kubernetes.io/instance", "demo").endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(10).withLeaseTransitions(3).endSpec().build();
    }
}

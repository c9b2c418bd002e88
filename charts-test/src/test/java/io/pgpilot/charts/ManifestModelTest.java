package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every rendered manifest is a well-formed object of fabric8's typed model, with no field the model does not know. */
class ManifestModelTest {

    static Stream<Arguments> valueSets() {
        return Stream.of(
                Arguments.of("defaults", Map.of()),
                Arguments.of("five synchronous keepers", Map.of("keeper.replicas", 5, "cluster.synchronousMode", true,
                        "cluster.minSynchronousStandbys", 2, "keeper.storage.storageClassName", "fast-ssd",
                        "keeper.resources.requests.cpu", "1", "keeper.resources.limits.memory", "4Gi")),
                Arguments.of("hard anti-affinity, tolerations, node selector", Map.of("keeper.antiAffinity", "hard",
                        "proxy.antiAffinity", "none", "keeper.nodeSelector.disktype", "ssd",
                        "keeper.tolerations[0].key", "dedicated", "keeper.tolerations[0].operator", "Exists",
                        "imagePullSecrets[0].name", "registry", "keeper.podAnnotations.example\\.com/team", "db",
                        "sentinel.podAnnotations.example\\.com/team", "db", "proxy.podAnnotations.example\\.com/team", "db")),
                Arguments.of("existing service account, load balancer", Map.of("serviceAccount.create", false, "serviceAccount.name", "db-sa",
                        "proxy.service.type", "LoadBalancer", "proxy.service.annotations.example\\.com/load-balancer", "internal")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valueSets")
    void everyManifestParsesIntoTheTypedModelWithNoUnknownField(String name, Map<String, Object> values) {
        // RenderedChart.parse refuses unknown kinds and unknown fields; here it must find none.
        RenderedChart chart = PgpilotChart.render(values);
        assertThat(chart.manifests()).isNotEmpty();
        assertThat(chart.manifests()).allSatisfy(m -> assertThat(TypedManifests.unknownFields(m.object())).as(m.source()).isEmpty());
    }

    @Test
    void theTestHookParsesIntoTheTypedModelToo() {
        assertThat(TestHooks.render(Map.of()).manifests()).extracting(m -> m.object().getKind()).containsExactly("Pod");
    }

    @Test
    void aMisspeltFieldIsCaughtWithItsPath() {
        String manifest = """
                # Source: pgpilot/templates/broken.yaml
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: broken
                spec:
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec:
                      containers:
                        - name: proxy
                          image: x
                          readinesProbe: {tcpSocket: {port: 8009}}
                """;
        assertThatThrownBy(() -> TypedManifests.parse(manifest))
                .hasMessageContaining("spec.template.spec.containers[0].readinesProbe");
    }

    @Test
    void aFieldOfTheWrongTypeIsCaught() {
        String manifest = """
                apiVersion: apps/v1
                kind: StatefulSet
                metadata:
                  name: broken
                spec:
                  replicas: three
                  serviceName: x
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec:
                      containers: [{name: keeper, image: x}]
                """;
        assertThatThrownBy(() -> TypedManifests.parse(manifest)).hasMessageContaining("replicas");
    }

    @Test
    void anUnknownKindIsCaught() {
        String manifest = """
                apiVersion: example.com/v1
                kind: Widget
                metadata:
                  name: broken
                """;
        assertThatThrownBy(() -> TypedManifests.parse(manifest)).hasMessageContaining("no type for example.com/v1 Widget");
    }
}

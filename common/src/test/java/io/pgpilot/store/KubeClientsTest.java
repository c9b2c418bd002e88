package io.pgpilot.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clients every component builds: pgpilot's timeouts, and a clear error for a missing kubeconfig. */
class KubeClientsTest {

    @TempDir
    Path tmp;

    @Test
    void requestsCarryTheTimeoutsSafetyDependsOnAndAreNeverRetried() throws Exception {
        Path kubeconfig = Files.writeString(tmp.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]
                contexts: [{name: c, context: {cluster: c, namespace: ns, user: u}}]
                current-context: c
                users: [{name: u, user: {token: t}}]
                """);
        try (KubernetesClient client = KubeClients.create(kubeconfig, Duration.ofMillis(700))) {
            assertThat(client.getConfiguration().getRequestTimeout()).isEqualTo(700);
            assertThat(client.getConfiguration().getConnectionTimeout()).isEqualTo(700);
            assertThat(client.getConfiguration().getRequestRetryBackoffLimit()).isZero();
        }
    }

    @Test
    void aMissingKubeconfigIsNamedWithWhatToDo() {
        Path missing = tmp.resolve("nowhere");
        assertThatThrownBy(() -> KubeClients.create(missing, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("pass the file the API server wrote");
    }
}

package io.pgpilot.store;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Builds the Kubernetes API clients every pgpilot process uses, with the timeouts its safety depends on.
 * The request timeout must stay below the renew deadline: a renewal stuck in flight longer than that
 * would otherwise outlive the primary's right to write. Retries are off for the same reason; every caller
 * already loops on its own heartbeat.
 */
public final class KubeClients {

    private KubeClients() {
    }

    /**
     * @param kubeconfig     a kubeconfig file, or null for the in-cluster service account
     * @param requestTimeout bound on each API request
     */
    public static KubernetesClient create(Path kubeconfig, Duration requestTimeout) {
        return create(kubeconfig, requestTimeout, "pgpilot");
    }

    /**
     * @param userAgent names the component in the API server's logs (and in local mode's audit log, from
     *                  which the Helm chart's Role is checked)
     */
    public static KubernetesClient create(Path kubeconfig, Duration requestTimeout, String userAgent) {
        Config base;
        if (kubeconfig != null) {
            if (!Files.isReadable(kubeconfig)) {
                throw new IllegalArgumentException("kubeconfig " + kubeconfig + " does not exist or is not readable; pass the file the API server wrote, or omit it inside a pod");
            }
            base = Config.fromKubeconfig((String) null, (File) kubeconfig.toFile());
        } else {
            base = Config.autoConfigure(null);
        }
        int timeoutMs = (int) requestTimeout.toMillis();
        Config config = new ConfigBuilder(base)
                .withRequestTimeout(timeoutMs)
                .withConnectionTimeout(Math.min(timeoutMs, 2_000))
                .withRequestRetryBackoffLimit(0)
                .withWatchReconnectInterval(250)
                .withUserAgent(userAgent)
                .build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}

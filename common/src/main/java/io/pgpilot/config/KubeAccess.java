package io.pgpilot.config;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KubeClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a component reaches its cluster's objects: {@code --cluster}, {@code --namespace} and
 * {@code --kubeconfig} (absent inside a pod, where the service account is used). Every component reads
 * these the same way.
 */
public record KubeAccess(String cluster, String namespace, Path kubeconfig, String component) {

    private static final Path SERVICE_ACCOUNT_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    public static KubeAccess from(Settings settings) {
        String cluster = settings.required("cluster", "the cluster's name; every Kubernetes object pgpilot uses is named after it");
        Path kubeconfig = settings.path("kubeconfig", null);
        String namespace = settings.string("namespace", null);
        if (namespace == null) {
            namespace = podNamespace();
        }
        if (cluster != null) {
            try {
                new ObjectNames(cluster);
            } catch (IllegalArgumentException e) {
                settings.problem("--cluster: " + e.getMessage());
            }
        }
        if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
            settings.problem("--kubeconfig " + kubeconfig + " does not exist or is not readable; inside a pod leave it out");
        }
        return new KubeAccess(cluster, namespace, kubeconfig, settings.component());
    }

    private static String podNamespace() {
        try {
            return Files.isReadable(SERVICE_ACCOUNT_NAMESPACE) ? Files.readString(SERVICE_ACCOUNT_NAMESPACE).trim() : "default";
        } catch (IOException e) {
            return "default";
        }
    }

    public KubernetesClient client(Duration requestTimeout) {
        return KubeClients.create(kubeconfig, requestTimeout, "pgpilot-" + component);
    }

    public ClusterStore store(Duration requestTimeout) {
        return new ClusterStore(client(requestTimeout), namespace, new ObjectNames(cluster));
    }
}

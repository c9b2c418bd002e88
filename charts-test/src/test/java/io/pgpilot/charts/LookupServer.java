package io.pgpilot.charts;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.testing.ApiServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The Kubernetes API server Helm's {@code lookup} talks to while the tests render the chart.
 *
 * <p>helm-java 0.0.15 renders a template as a dry-run install that still contacts a cluster for
 * {@code lookup} (unlike the {@code helm template} command, it does not make lookup return nothing), and its
 * native Helm takes the cluster from the {@code KUBECONFIG} environment variable, which a running JVM
 * cannot change. So the surefire configuration points {@code KUBECONFIG} at {@code target/helm-lookup/kubeconfig}
 * and this class starts the local API server there, once per test JVM. It is a gift more than a chore: the
 * Secret's lookup, which keeps the passwords across {@code helm upgrade}, runs for real against it.
 */
final class LookupServer {

    private static ApiServer server;

    private LookupServer() {
    }

    static synchronized ApiServer get() {
        if (server == null) {
            String kubeconfig = System.getenv("KUBECONFIG");
            if (kubeconfig == null || kubeconfig.isBlank()) {
                throw new IllegalStateException("KUBECONFIG is not set: run these tests through Maven (the surefire configuration sets it to "
                        + "target/helm-lookup/kubeconfig), or set it to a file path whose directory the tests may write");
            }
            Path file = Path.of(kubeconfig).toAbsolutePath();
            if (!file.getFileName().toString().equals("kubeconfig")) {
                throw new IllegalStateException("KUBECONFIG is " + file + ": the tests write the local API server's kubeconfig as a file named "
                        + "'kubeconfig'; point KUBECONFIG at <some directory>/kubeconfig");
            }
            try {
                server = ApiServer.start(file.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the local API server for Helm's lookup in " + file.getParent(), e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "lookup-server-shutdown"));
        }
        return server;
    }

    static KubernetesClient client() {
        return get().client();
    }
}

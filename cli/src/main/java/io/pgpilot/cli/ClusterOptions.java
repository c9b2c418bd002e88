package io.pgpilot.cli;

import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KubeClients;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * Which cluster a command acts on. Without {@code --kubeconfig} a local cluster's kubeconfig (under
 * {@code --dir}) is used when it exists, otherwise the usual kubeconfig ($KUBECONFIG or ~/.kube/config), so
 * the same commands work against local mode and a real cluster.
 */
public final class ClusterOptions {

    @Option(names = "--cluster", defaultValue = "demo", description = "cluster name (default: ${DEFAULT-VALUE})")
    String cluster;

    @Option(names = {"-n", "--namespace"}, description = "namespace (default: the kubeconfig's, else default)")
    String namespace;

    @Option(names = "--kubeconfig", description = "kubeconfig file (default: <dir>/kubeconfig when local mode runs, else $KUBECONFIG or ~/.kube/config)")
    Path kubeconfig;

    @Option(names = "--dir", defaultValue = ".pgpilot", description = "local mode's state directory (default: ${DEFAULT-VALUE})")
    Path dir;

    public String cluster() {
        return cluster;
    }

    public Path dir() {
        return dir;
    }

    public Path kubeconfig() {
        if (kubeconfig != null) {
            return kubeconfig;
        }
        Path local = dir.resolve("kubeconfig");
        if (Files.exists(local)) {
            return local;
        }
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            return Path.of(env.split(java.io.File.pathSeparator)[0]);
        }
        return Path.of(System.getProperty("user.home"), ".kube", "config");
    }

    public ClusterStore store() {
        Path config = kubeconfig();
        var client = KubeClients.create(config, Duration.ofSeconds(5));
        String ns = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
        return new ClusterStore(client, ns, new ObjectNames(cluster));
    }
}

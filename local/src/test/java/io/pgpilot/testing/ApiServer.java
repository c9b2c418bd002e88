package io.pgpilot.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.local.JavaProcess;
import io.pgpilot.localapi.LocalApiServer;
import io.pgpilot.process.Signal;
import io.pgpilot.store.KubeClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The local Kubernetes API server as its own process, for tests: clients talk to it over HTTP like to a
 * real one, and a test can stall it (SIGSTOP) or take it away (SIGKILL) as a fault.
 */
public final class ApiServer implements AutoCloseable {

    private final JavaProcess process;
    private final Path kubeconfig;
    private final List<KubernetesClient> clients = new ArrayList<>();

    private ApiServer(JavaProcess process, Path kubeconfig) {
        this.process = process;
        this.kubeconfig = kubeconfig;
    }

    public static ApiServer start(Path dir) throws IOException {
        return start(dir, null);
    }

    /**
     * @param stateFile null for a server in memory only; otherwise ConfigMaps and Leases are kept in it, and a
     *                  server started again on it begins with them
     */
    public static ApiServer start(Path dir, Path stateFile) throws IOException {
        Files.createDirectories(dir);
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.deleteIfExists(kubeconfig);
        List<String> args = new ArrayList<>(List.of("--port", "0", "--kubeconfig", kubeconfig.toString(),
                "--audit-log", dir.resolve("api-audit.log").toString()));
        if (stateFile != null) {
            args.addAll(List.of("--state-file", stateFile.toString()));
        }
        JavaProcess process = JavaProcess.start("api-server", LocalApiServer.class.getName(), args, dir.resolve("api-server.log"), Map.of());
        process.awaitReady(() -> Files.exists(kubeconfig), Duration.ofSeconds(60), "writing its kubeconfig");
        return new ApiServer(process, kubeconfig);
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    /** A new client with a short request timeout, closed with this server. */
    public KubernetesClient client() {
        return client(Duration.ofSeconds(2));
    }

    public synchronized KubernetesClient client(Duration requestTimeout) {
        KubernetesClient client = KubeClients.create(kubeconfig, requestTimeout);
        clients.add(client);
        return client;
    }

    /** A namespace no other test uses, so tests sharing one server never see each other's objects. */
    public static String freshNamespace() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** The API server stops answering (requests hang) until {@link #resume()}. */
    public void stall() {
        process.signal(Signal.STOP);
    }

    public void resume() {
        process.signal(Signal.CONT);
    }

    public JavaProcess process() {
        return process;
    }

    @Override
    public synchronized void close() {
        process.signal(Signal.CONT);
        clients.forEach(KubernetesClient::close);
        process.kill();
    }
}

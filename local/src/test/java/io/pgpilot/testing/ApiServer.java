package io.pgpilot.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.local.JavaProcess;
import io.pgpilot.localapi.LocalApiServer;
import io.pgpilot.process.Signal;
import io.pgpilot.store.KubeClients;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local Kubernetes API server as its own process, for tests: clients talk to it over HTTP like to a
 * real one, and a test can stall it (SIGSTOP) or take it away (SIGKILL) as a fault.
 */
public final class ApiServer implements AutoCloseable {

    /** The server line local mode's kubeconfig has. */
    private static final Pattern SERVER = Pattern.compile("server: http://127\\.0\\.0\\.1:(\\d+)");

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

    /**
     * A client that reaches this server through {@code relay} (see {@link #relay()}): stalling the relay
     * stalls the server for this client alone.
     */
    public synchronized KubernetesClient clientThrough(StallableRelay relay, Duration requestTimeout) throws IOException {
        Path relayed = kubeconfig.resolveSibling("kubeconfig-relay-" + relay.port());
        Files.writeString(relayed, SERVER.matcher(Files.readString(kubeconfig)).replaceFirst("server: http://127.0.0.1:" + relay.port()));
        KubernetesClient client = KubeClients.create(relayed, requestTimeout);
        clients.add(client);
        return client;
    }

    /** A relay in front of this server, for a partition between it and some clients only. */
    public StallableRelay relay() throws IOException {
        Matcher port = SERVER.matcher(Files.readString(kubeconfig));
        if (!port.find()) {
            throw new IOException("no 127.0.0.1 server in " + kubeconfig);
        }
        return new StallableRelay(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(port.group(1))));
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

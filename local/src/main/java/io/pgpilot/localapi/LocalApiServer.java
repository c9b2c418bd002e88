package io.pgpilot.localapi;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;

/**
 * A Kubernetes API server for one machine: fabric8's mock server in CRUD mode (objects are stored, and
 * resourceVersion conflicts, watches and label selectors behave as on a real server), plus the discovery
 * documents kubectl needs. Local mode and the tests run it as its own process, so that killing or
 * stopping it is a real API outage for every client.
 *
 * <p>Without a state file, state is in memory only and a restarted server is empty. With one, every
 * ConfigMap and Lease is written to it before a change to them is answered, and a server started on the
 * file begins with those objects: a stopped local cluster starts again where it was (see {@link StateFile}).
 */
public final class LocalApiServer implements AutoCloseable {

    private final KubernetesMockServer server;
    private final int port;
    private final Writer auditLog;
    private final StateFile state;

    private LocalApiServer(KubernetesMockServer server, int port, Writer auditLog, StateFile state) {
        this.server = server;
        this.port = port;
        this.auditLog = auditLog;
        this.state = state;
    }

    /**
     * Starts the server on 127.0.0.1.
     *
     * @param port      the port, or 0 to let the system choose one
     * @param auditLog  when not null, every request's method, path and client (User-Agent) is appended to it, one per line
     * @param stateFile when not null, the ConfigMaps and Leases it holds are restored before the server listens,
     *                  and it is rewritten after every change to them, before the change is answered
     * @throws StateFileException when the state file exists but cannot be restored; nothing is started then
     */
    public static LocalApiServer start(int port, Path auditLog, Path stateFile) throws IOException {
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher();
        StateFile state = stateFile == null ? null : new StateFile(stateFile, crud);
        if (state != null) {
            state.restore();
        }
        Writer audit = auditLog == null ? null
                : Files.newBufferedWriter(auditLog, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        String[] address = new String[1];
        Dispatcher dispatcher = new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getPath();
                if (audit != null) {
                    String agent = request.getHeader("User-Agent");
                    audit(audit, request.getMethod() + " " + path + (agent == null ? "" : " " + agent.replace(' ', '_')));
                }
                String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                String document = "GET".equals(request.getMethod()) ? Discovery.document(bare, address[0]) : null;
                if (document != null) {
                    return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(document);
                }
                MockResponse response = crud.dispatch(request);
                if (state != null && StateFile.changes(request.getMethod(), bare, response.code())) {
                    response = saved(state, request, response);
                }
                if (response.getWebSocketListener() != null) {
                    response.withWebSocketUpgrade(new NonBlockingWatchListener(response.getWebSocketListener()));
                }
                return response;
            }
        };
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getByName("127.0.0.1"), port);
        int actual = server.getPort();
        address[0] = "127.0.0.1:" + actual;
        return new LocalApiServer(server, actual, audit, state);
    }

    /**
     * The answer to a change once the state file holds it. When the file cannot be written the client gets a
     * 500 instead of a success it could not rely on after a restart; the change stays in memory, as a real API
     * server's outcome is unknown when its storage fails.
     */
    private static MockResponse saved(StateFile state, RecordedRequest request, MockResponse response) {
        try {
            state.save();
            return response;
        } catch (IOException | RuntimeException e) {
            String problem = "cannot write the API state file " + state.path() + " after " + request.getMethod() + " " + request.getPath()
                    + ": " + e.getMessage();
            System.err.println("api-server: " + problem);
            Status status = new StatusBuilder().withStatus("Failure").withReason("InternalError").withCode(500).withMessage(problem).build();
            return new MockResponse().setResponseCode(500).setHeader("Content-Type", "application/json").setBody(Serialization.asJson(status));
        }
    }

    private static void audit(Writer audit, String line) {
        synchronized (audit) {
            try {
                audit.write(line);
                audit.write('\n');
                audit.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The bearer token its kubeconfig names; the server accepts any (it is a test and local-mode server). */
    public static final String TOKEN = "local";

    /** Writes a kubeconfig for this server, atomically, so a reader never sees half a file. */
    public void writeKubeconfig(Path file, String namespace) throws IOException {
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: pgpilot-local
                  cluster:
                    server: %s
                contexts:
                - name: pgpilot-local
                  context:
                    cluster: pgpilot-local
                    namespace: %s
                    user: pgpilot-local
                current-context: pgpilot-local
                users:
                - name: pgpilot-local
                  user:
                    token: %s
                """.formatted(url(), namespace, TOKEN);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".kubeconfig", ".tmp");
        Files.writeString(tmp, kubeconfig);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Runs the server until the process is stopped: {@code --port N} (0 chooses), {@code --kubeconfig FILE}
     * (written once listening; its appearance means ready), {@code --namespace NS}, {@code --audit-log FILE},
     * {@code --state-file FILE} (ConfigMaps and Leases kept across restarts). A state file that cannot be restored
     * ends the process with exit code 2 and a one-line reason.
     */
    public static void main(String[] args) throws Exception {
        int port = 0;
        Path kubeconfig = null;
        Path audit = null;
        Path stateFile = null;
        String namespace = "default";
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                usage("flag " + flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--port" -> port = parsePort(value);
                case "--kubeconfig" -> kubeconfig = Path.of(value);
                case "--namespace" -> namespace = value;
                case "--audit-log" -> audit = Path.of(value);
                case "--state-file" -> stateFile = Path.of(value);
                default -> usage("unknown flag " + flag);
            }
        }
        if (kubeconfig == null) {
            usage("--kubeconfig is required: the file clients and kubectl will use");
        }
        try {
            serve(port, kubeconfig, namespace, audit, stateFile);
        } catch (StateFileException e) {
            System.err.println("api-server: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Starts, writes the kubeconfig, and blocks until the JVM shuts down.
     *
     * @param stateFile null to keep state in memory only
     */
    public static void serve(int port, Path kubeconfig, String namespace, Path auditLog, Path stateFile) throws IOException, InterruptedException {
        LocalApiServer server = start(port, auditLog, stateFile);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "api-server-shutdown"));
        server.writeKubeconfig(kubeconfig, namespace);
        System.out.println("pgpilot local API server listening on " + server.url() + "; kubeconfig " + kubeconfig.toAbsolutePath());
        System.out.flush();
        Thread.currentThread().join();
    }

    private static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port < 0 || port > 65535) {
                usage("--port " + value + " is out of range: use 0 (choose a free port) to 65535");
            }
            return port;
        } catch (NumberFormatException e) {
            usage("--port " + value + " is not a number: use 0 (choose a free port) to 65535");
            return 0;
        }
    }

    private static void usage(String problem) {
        System.err.println("api-server: " + problem);
        System.err.println("usage: api-server --kubeconfig FILE [--port N] [--namespace NS] [--audit-log FILE] [--state-file FILE]");
        System.exit(2);
    }

    /** Stops the server; with a state file, a last snapshot is written once no request can change anything. */
    @Override
    public void close() {
        server.destroy();
        if (state != null) {
            try {
                state.save();
            } catch (IOException | RuntimeException e) {
                System.err.println("api-server: cannot write the API state file " + state.path() + " on shutdown: " + e.getMessage());
            }
        }
        if (auditLog != null) {
            try {
                auditLog.close();
            } catch (IOException ignored) {
                // nothing left to record
            }
        }
    }
}

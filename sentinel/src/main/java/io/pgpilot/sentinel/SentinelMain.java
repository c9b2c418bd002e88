package io.pgpilot.sentinel;

import ch.qos.logback.classic.Level;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.config.KubeAccess;
import io.pgpilot.config.Settings;
import io.pgpilot.sentinel.election.SentinelElection;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import io.pgpilot.store.StoreUnavailableException;
import io.pgpilot.time.MonotonicClock;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sentinel process: {@code --cluster --namespace --kubeconfig --name --http-port}. It waits for a valid
 * spec (whose timings it uses for its own election too), joins the election on the {@code C-sentinel} Lease
 * and runs the decision loop; only the leader writes.
 */
public final class SentinelMain {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelMain.class);

    private SentinelMain() {
    }

    public static void main(String[] args) throws Exception {
        quietLibraries();
        Settings settings = Settings.parse("sentinel", args, System.getenv(), Set.of());
        KubeAccess access = KubeAccess.from(settings);
        String hostname = System.getenv("HOSTNAME");
        String name = settings.string("name", hostname != null && !hostname.isBlank() ? hostname : "sentinel-" + UUID.randomUUID().toString().substring(0, 8));
        int httpPort = settings.port("http-port", 0);
        try {
            settings.finish();
        } catch (Settings.BadSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        MonotonicClock clock = MonotonicClock.system();
        ObjectNames names = new ObjectNames(access.cluster());
        ClusterSpec first = waitForSpec(access, names, name);
        // Requests must end well before the renew deadline: a renewal stuck in flight must not outlive leadership.
        Duration requestTimeout = Duration.ofMillis(Math.max(100, Math.min(2_000, first.renewDeadlineMs() / 3)));
        KubernetesClient client = access.client(requestTimeout);
        ClusterStore store = new ClusterStore(client, access.namespace(), names);
        SentinelElection.Timings timings = new SentinelElection.Timings(Duration.ofMillis(first.leaseDurationMs()),
                Duration.ofMillis(first.renewDeadlineMs()), Duration.ofMillis(first.renewIntervalMs()));
        DecisionLoop[] loopRef = new DecisionLoop[1];
        SentinelElection election = new SentinelElection(client, access.namespace(), names.sentinelLease(), name, timings, clock,
                () -> {
                    if (loopRef[0] != null) {
                        loopRef[0].nudge();
                    }
                });
        DecisionLoop loop = new DecisionLoop(store, election, name, clock);
        loopRef[0] = loop;
        HttpServer http = httpPort > 0 ? startHttp(httpPort, election, loop) : null;
        // The watch only nudges the loop, so it gets its own client with a relaxed timeout, and it is started in
        // the background: a slow first list must not stop the sentinel (its ticks decide without it).
        KubernetesClient watchClient = access.client(Duration.ofSeconds(10));
        AutoCloseable watch = startWatch(new ClusterStore(watchClient, access.namespace(), names), loop, name);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("sentinel {}: stopping; releasing the sentinel lease if held", name);
            loop.close();
            election.close();
            try {
                watch.close();
            } catch (Exception ignored) {
                // stopping anyway
            }
            if (http != null) {
                http.stop(0);
            }
            try {
                done.await(java.util.concurrent.TimeUnit.SECONDS.toMillis(2), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            client.close();
            watchClient.close();
        }, "sentinel-shutdown"));
        LOG.info("sentinel {}: cluster {} in namespace {}; election on Lease {} (lease {} ms, renew deadline {} ms, retry {} ms, request timeout {} ms)",
                name, names.cluster(), access.namespace(), names.sentinelLease(), first.leaseDurationMs(), first.renewDeadlineMs(),
                first.renewIntervalMs(), requestTimeout.toMillis());
        election.start();
        try {
            loop.run();
        } finally {
            done.countDown();
        }
    }

    private static AutoCloseable startWatch(ClusterStore watchStore, DecisionLoop loop, String name) {
        java.util.concurrent.atomic.AtomicReference<AutoCloseable> current = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
        Thread starter = new Thread(() -> {
            while (!stopped.get() && current.get() == null) {
                try {
                    current.set(watchStore.watch(loop::changed, true));
                } catch (RuntimeException e) {
                    LOG.warn("sentinel {}: cannot start watching the cluster's objects ({}); deciding on the timer alone, retrying", name,
                            e.getMessage());
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        }, "sentinel-watch-start");
        starter.setDaemon(true);
        starter.start();
        return () -> {
            stopped.set(true);
            AutoCloseable watch = current.get();
            if (watch != null) {
                watch.close();
            }
        };
    }

    /** Reads the spec until a valid one exists, saying once what it waits for. */
    private static ClusterSpec waitForSpec(KubeAccess access, ObjectNames names, String name) throws InterruptedException {
        String said = null;
        try (KubernetesClient probe = access.client(Duration.ofSeconds(2))) {
            ClusterStore store = new ClusterStore(probe, access.namespace(), names);
            while (true) {
                String now;
                try {
                    Read<ClusterSpec> read = store.readSpec();
                    if (read instanceof Read.Found<ClusterSpec> found) {
                        return found.value();
                    }
                    now = read instanceof Read.Corrupt<ClusterSpec> corrupt
                            ? "spec refused, " + corrupt.describe() + "; no valid spec yet, waiting"
                            : "ConfigMap " + names.specConfigMap() + " does not exist; waiting for a spec (pgpilot config, or the Helm chart)";
                } catch (StoreUnavailableException e) {
                    now = "cannot read the spec: " + e.getMessage() + "; retrying";
                }
                if (!now.equals(said)) {
                    LOG.warn("sentinel {}: {}", name, now);
                    said = now;
                }
                Thread.sleep(500);
            }
        }
    }

    private static HttpServer startHttp(int port, SentinelElection election, DecisionLoop loop) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("0.0.0.0", port), 0);
        server.createContext("/health", exchange -> respond(exchange, 200, "ok\n"));
        server.createContext("/status", exchange -> {
            var decision = loop.lastDecision();
            String body = "{\"name\":\"" + election.identity() + "\",\"leading\":" + election.mayWrite() + ",\"terms\":" + election.terms()
                    + ",\"writes\":" + loop.writes() + ",\"conflicts\":" + loop.conflicts()
                    + ",\"lastDecision\":" + (decision == null ? "null" : "\"" + decision.describe().replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                    + "}\n";
            respond(exchange, 200, body);
        });
        server.start();
        return server;
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** One line per decision is the contract; the client libraries' debug output would bury it. */
    private static void quietLibraries() {
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(Level.INFO);
            for (String noisy : new String[] {"io.fabric8", "io.vertx", "io.netty"}) {
                ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(noisy)).setLevel(Level.WARN);
            }
        }
    }

}

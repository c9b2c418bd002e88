package io.pgpilot.cli.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.local.JavaProcess;
import io.pgpilot.localapi.LocalApiServer;
import io.pgpilot.process.Signal;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KubeClients;
import io.pgpilot.store.Read;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The background process of a local cluster: it runs the API server, the keepers, the sentinels and the
 * proxy as separate processes, and plays the part of the kubelet and the StatefulSet controller for its own
 * keepers only. A deleted keeper Pod gets a graceful stop (SIGTERM) and comes back on the same data; a
 * keeper whose process exits gets its Pod's container reported terminated, as Kubernetes would; the drill
 * annotation decides whether it is started again.
 */
public final class LocalSupervisor {

    private static final String KEEPER_MAIN = "io.pgpilot.keeper.KeeperMain";
    private static final String SENTINEL_MAIN = "io.pgpilot.sentinel.SentinelMain";
    private static final String PROXY_MAIN = "io.pgpilot.proxy.ProxyMain";
    /** The main classes of the processes a local cluster runs (each gets its class-data-sharing archive). */
    public static final List<String> COMPONENTS = List.of(LocalApiServer.class.getName(), KEEPER_MAIN, SENTINEL_MAIN, PROXY_MAIN);

    private final LocalLayout layout;
    private final LocalConfig config;
    private final Path dataRoot;
    private final Map<String, JavaProcess> keepers = new HashMap<>();
    private final Map<String, Integer> restarts = new HashMap<>();
    private final Set<String> exitReported = new HashSet<>();
    private final Set<String> terminating = new HashSet<>();
    private final Map<String, JavaProcess> services = new HashMap<>();
    private JavaProcess apiServer;
    private KubernetesClient client;
    private ClusterStore store;
    private KeeperPods pods;
    private ClassDataSharing sharing;
    private volatile boolean stopping;
    /**
     * How often the loop looks at every keeper without being woken. Polling Pods every 100 ms, as this once
     * did, was 30 requests a second: more than the whole cluster's own traffic to the API server.
     */
    private static final long RECONCILE_FALLBACK_MS = 2_000;
    private final Semaphore wake = new Semaphore(0);
    private AutoCloseable podWatch;

    LocalSupervisor(LocalLayout layout, LocalConfig config, Path dataRoot) {
        this.layout = layout;
        this.config = config;
        this.dataRoot = dataRoot;
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        if (args.length != 2 || !args[0].equals("--dir")) {
            System.err.println("usage: LocalSupervisor --dir DIR (started by `pgpilot local up`)");
            System.exit(2);
        }
        LocalLayout layout = new LocalLayout(Path.of(args[1]));
        LocalConfig config = LocalConfig.read(layout.dir());
        LocalSupervisor supervisor = new LocalSupervisor(layout, config, layout.data().toRealPath());
        Files.writeString(layout.supervisorPid(), Long.toString(ProcessHandle.current().pid()));
        Runtime.getRuntime().addShutdownHook(new Thread(supervisor::shutdown, "supervisor-shutdown"));
        supervisor.run();
    }

    /** The keeper holding the primary Lease, or null when unknown (the API server is already gone, say). */
    private String primaryHolder() {
        if (store == null) {
            return null;   // stopped before the API server came up
        }
        try {
            return store.readPrimaryLease() instanceof Read.Found<PrimaryLease> found ? found.value().holder() : null;
        } catch (RuntimeException e) {
            log("cannot read the primary Lease (" + e.getMessage() + "); stopping every keeper at once");
            return null;
        }
    }

    private static void log(String line) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " supervisor: " + line);
        System.out.flush();
    }

    void run() throws Exception {
        Files.deleteIfExists(layout.kubeconfig());
        sharing = ClassDataSharing.forThisBuild();
        Thread archives = new Thread(() -> {
            try {
                // A fixed delay, not a condition: by then the first JVM of each kind has loaded what it runs
                // with (bootstrap, replication, serving), and the cluster's own start is over.
                Thread.sleep(Duration.ofSeconds(45).toMillis());
                sharing.buildMissing(COMPONENTS, LocalSupervisor::log);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "class-data-sharing");
        archives.setDaemon(true);
        archives.start();
        apiServer = JavaProcess.start("api-server", sharing.classpath(), LocalApiServer.class.getName(),
                sharing.jvmArgs(LocalApiServer.class.getName()), List.of("--port", "0", "--kubeconfig", layout.kubeconfig().toString(), "--namespace", config.namespace(),
                        "--audit-log", layout.apiAudit().toString(), "--state-file", layout.apiState().toString()),
                layout.log("api-server"), Map.of(), true);
        apiServer.awaitReady(() -> Files.exists(layout.kubeconfig()), Duration.ofSeconds(60), "writing its kubeconfig");
        log("API server up; kubeconfig " + layout.kubeconfig());
        client = KubeClients.create(layout.kubeconfig(), Duration.ofSeconds(3));
        ObjectNames names = new ObjectNames(config.cluster());
        store = new ClusterStore(client, config.namespace(), names);
        pods = new KeeperPods(client, config.namespace(), names);
        if (store.readSpec() instanceof Read.Missing<ClusterSpec>) {
            store.createSpec(ClusterSpec.fromJson("{\"replicas\": " + config.keepers().size() + "}"));
            log("created spec ConfigMap " + names.specConfigMap() + " with default settings");
        }
        for (int i = 0; i < config.sentinels(); i++) {
            startService(config.cluster() + "-sentinel-" + i);
        }
        startService(config.cluster() + "-proxy");
        podWatch = watchPods();
        while (!stopping) {
            for (LocalConfig.Member keeper : config.keepers()) {
                try {
                    reconcile(keeper);
                } catch (RuntimeException e) {
                    log("cannot reconcile " + keeper.name() + ": " + e.getMessage());
                }
            }
            restartDeadServices();
            // Woken by a Pod change or a process exit; the timer only covers a watch that missed something.
            if (wake.tryAcquire(RECONCILE_FALLBACK_MS, TimeUnit.MILLISECONDS)) {
                wake.drainPermits();
            }
        }
    }

    /** Asks the loop for a pass now. */
    private void wake() {
        wake.release();
    }

    private AutoCloseable watchPods() {
        try {
            return store.watchKeeperPods(this::wake);
        } catch (RuntimeException e) {
            log("cannot watch the keeper Pods (" + e.getMessage() + "); looking at them every " + RECONCILE_FALLBACK_MS + " ms instead");
            return () -> { };
        }
    }

    /** One step of the kubelet/StatefulSet part for one keeper. */
    private synchronized void reconcile(LocalConfig.Member keeper) throws IOException {
        if (stopping) {
            return;
        }
        String name = keeper.name();
        JavaProcess process = keepers.get(name);
        boolean alive = process != null && process.isAlive();
        if (process != null && !alive && !exitReported.contains(name)) {
            int code = process.process().exitValue();
            exitReported.add(name);
            terminating.remove(name);
            log(name + " exited with code " + code + (code == 137 ? " (killed)" : code == 143 || code == 0 ? " (stopped)" : ""));
            pods.reportTerminated(name, restarts.getOrDefault(name, 0), code);
        }
        Pod pod = pods.get(name);
        if (pod == null) {
            if (alive) {
                if (terminating.add(name)) {
                    log(name + ": Pod deleted; stopping the keeper gracefully (SIGTERM), it comes back on its data");
                    process.signal(Signal.TERM);
                }
                return;
            }
            pods.create(name, restarts.getOrDefault(name, 0));
            log(name + ": Pod created");
            startKeeper(keeper);
            return;
        }
        String desired = KeeperPods.desired(pod);
        if (KeeperPods.RUNNING.equals(desired) && !alive) {
            startKeeper(keeper);
        } else if (KeeperPods.STOPPED.equals(desired) && alive && terminating.add(name)) {
            log(name + ": stop requested; SIGTERM");
            process.signal(Signal.TERM);
        } else if (KeeperPods.KILLED.equals(desired) && alive && terminating.add(name)) {
            log(name + ": kill requested; SIGKILL");
            process.signal(Signal.KILL);
        }
    }

    private void startKeeper(LocalConfig.Member keeper) throws IOException {
        String name = keeper.name();
        int count = keepers.containsKey(name) ? restarts.merge(name, 1, Integer::sum) : restarts.getOrDefault(name, 0);
        List<String> args = new ArrayList<>(List.of(
                "--cluster", config.cluster(), "--namespace", config.namespace(),
                "--name", name, "--data-dir", dataRoot.resolve(name).toString(),
                "--pg-port", Integer.toString(keeper.pgPort()), "--http-port", Integer.toString(keeper.httpPort()),
                "--superuser-password-file", layout.superuserPassword().toString(),
                "--replication-password-file", layout.replicationPassword().toString()));
        List<String> jvm = sharing.jvmArgs(KEEPER_MAIN);
        JavaProcess process = JavaProcess.start(name, sharing.classpath(), KEEPER_MAIN, jvm, args, layout.log(name), apiEnvironment(), true);
        process.process().onExit().thenRun(this::wake);
        keepers.put(name, process);
        exitReported.remove(name);
        terminating.remove(name);
        pods.reportRunning(name, count, process.pid());
        log(name + ": keeper started (pid " + process.pid() + ", PostgreSQL port " + keeper.pgPort() + ", " + ClassDataSharing.describe(jvm) + ")");
    }

    /**
     * How the components reach the API server: fabric8's environment settings (no kubeconfig, no service
     * account), much as a pod is configured from its service account without a file to parse. Reading the
     * kubeconfig (YAML into fabric8's configuration model) was about a fifth of the CPU a keeper's JVM spends
     * before its loop runs (bench/keeper-start), the largest part of a rejoin.
     */
    private Map<String, String> apiEnvironment() {
        return Map.of("KUBERNETES_MASTER", client.getConfiguration().getMasterUrl(), "KUBERNETES_AUTH_TOKEN", LocalApiServer.TOKEN,
                "KUBERNETES_NAMESPACE", config.namespace(),
                "KUBERNETES_AUTH_TRYKUBECONFIG", "false", "KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    }

    private void startService(String name) throws IOException {
        List<String> common = List.of("--cluster", config.cluster(), "--namespace", config.namespace());
        List<String> args = new ArrayList<>(common);
        String main;
        if (name.endsWith("-proxy")) {
            main = PROXY_MAIN;
            args.addAll(List.of("--listen-host", "127.0.0.1", "--rw-port", Integer.toString(config.rwPort()),
                    "--ro-port", Integer.toString(config.roPort()), "--http-port", Integer.toString(config.proxyHttpPort())));
        } else {
            main = SENTINEL_MAIN;
            args.addAll(List.of("--name", name));
        }
        JavaProcess service = JavaProcess.start(name, sharing.classpath(), main, sharing.jvmArgs(main), args, layout.log(name), apiEnvironment(), true);
        service.process().onExit().thenRun(this::wake);
        services.put(name, service);
        log(name + " started");
    }

    private synchronized void restartDeadServices() throws IOException {
        for (var entry : new ArrayList<>(services.entrySet())) {
            if (!entry.getValue().isAlive() && !stopping) {
                log(entry.getKey() + " exited with code " + entry.getValue().process().exitValue() + "; restarting it");
                startService(entry.getKey());
            }
        }
    }

    /** Stops everything: sentinels first (no decisions during shutdown), then the proxy, keepers, API server. */
    void shutdown() {
        stopping = true;
        synchronized (this) {
            log("stopping the local cluster");
            services.values().stream().filter(p -> !p.name().endsWith("-proxy")).forEach(p -> p.stop(Duration.ofSeconds(10)));
            services.values().stream().filter(p -> p.name().endsWith("-proxy")).forEach(p -> p.stop(Duration.ofSeconds(10)));
            // The primary first, alone: its clean shutdown streams the last WAL (the shutdown checkpoint) to the
            // standbys, which must still be running to receive it. A standby stopped earlier misses it, may then
            // be promoted at the next `up`, and the standbys that did receive it could not follow its timeline.
            JavaProcess primary = keepers.get(primaryHolder());
            if (primary != null) {
                primary.stop(Duration.ofSeconds(30));
            }
            keepers.values().forEach(p -> p.signal(Signal.TERM));
            keepers.values().forEach(p -> p.stop(Duration.ofSeconds(30)));
            if (podWatch != null) {
                try {
                    podWatch.close();
                } catch (Exception e) {
                    log("closing the Pod watch: " + e.getMessage());
                }
            }
            if (client != null) {
                client.close();
            }
            if (apiServer != null) {
                apiServer.stop(Duration.ofSeconds(5));
            }
            try {
                Files.deleteIfExists(layout.supervisorPid());
                Files.deleteIfExists(layout.kubeconfig());
            } catch (IOException e) {
                log("cannot remove " + layout.supervisorPid() + ": " + e.getMessage());
            }
            log("stopped");
        }
    }
}

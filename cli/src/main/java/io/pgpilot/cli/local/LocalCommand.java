package io.pgpilot.cli.local;

import io.fabric8.kubernetes.api.model.Pod;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.store.ClusterStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgpilot local}: a whole cluster on this machine, and the drills that stand for pod failures. */
@Command(name = "local", description = "Run a cluster on this machine (keepers, sentinels, proxy on 127.0.0.1) and drill failures.",
        subcommands = {LocalCommand.Up.class, LocalCommand.Down.class, LocalCommand.Kill.class, LocalCommand.Stop.class, LocalCommand.Start.class})
public final class LocalCommand {

    static final Path POSTGRES_BIN = Path.of("/usr/lib/postgresql/15/bin");

    abstract static class Base {
        @Option(names = "--dir", defaultValue = ".pgpilot", description = "state directory (default: ${DEFAULT-VALUE})")
        Path dir;

        LocalLayout layout() {
            return new LocalLayout(dir);
        }

        LocalConfig config() throws IOException {
            if (!Files.exists(layout().dir().resolve(LocalConfig.FILE))) {
                throw new IllegalStateException("no local cluster in " + layout().dir() + "; start one with `pgpilot local up`");
            }
            return LocalConfig.read(layout().dir());
        }

        ClusterStore store(LocalConfig config) {
            if (!Files.exists(layout().kubeconfig())) {
                throw new IllegalStateException("the local cluster in " + layout().dir() + " is not running; start it with `pgpilot local up`");
            }
            return config.store(layout().kubeconfig(), Duration.ofSeconds(3));
        }
    }

    /** The supervisor's process, when it runs. */
    static Optional<ProcessHandle> supervisor(LocalLayout layout) {
        try {
            if (!Files.exists(layout.supervisorPid())) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(layout.supervisorPid()).trim());
            // The pid must still be the supervisor's (pids get reused); the JDK's own view of a command line is
            // cut short for long classpaths, so /proc is read directly.
            Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> !Files.exists(cmdline) || readQuietly(cmdline).contains(LocalSupervisor.class.getName()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String readQuietly(Path file) {
        try {
            return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    @Command(name = "up", description = "Start the local cluster (harmless when it already runs) and wait until it is ready.")
    static final class Up extends Base implements Callable<Integer> {
        @Option(names = "--rw-port", defaultValue = "25432", description = "read-write port of the proxy (default: ${DEFAULT-VALUE})")
        int rwPort;

        @Option(names = "--ro-port", defaultValue = "25433", description = "read-only port of the proxy (default: ${DEFAULT-VALUE})")
        int roPort;

        @Option(names = "--cluster", defaultValue = "demo", description = "cluster name (default: ${DEFAULT-VALUE})")
        String cluster;

        @Option(names = "--keepers", defaultValue = "3", description = "number of keepers (default: ${DEFAULT-VALUE})")
        int keeperCount;

        @Option(names = "--timeout", defaultValue = "300", description = "seconds to wait for a ready cluster (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            LocalLayout layout = layout();
            if (supervisor(layout).isPresent()) {
                System.out.println("the local cluster in " + layout.dir() + " is already running");
                return new Readiness(layout, config()).await(Duration.ofSeconds(timeoutSeconds)) ? 0 : 1;
            }
            if (!Files.isExecutable(POSTGRES_BIN.resolve("postgres"))) {
                throw new IllegalStateException("PostgreSQL 15 server binaries are missing in " + POSTGRES_BIN
                        + "; install them (Debian: apt-get install postgresql-15)");
            }
            if (keeperCount < 1 || keeperCount > 9) {
                throw new IllegalArgumentException("--keepers " + keeperCount + " is out of range: use 1 to 9");
            }
            layout.create();
            Path configFile = layout.dir().resolve(LocalConfig.FILE);
            LocalConfig config = Files.exists(configFile) ? LocalConfig.read(layout.dir()) : LocalConfig.fresh(cluster, keeperCount, rwPort, roPort);
            requireFree(config.rwPort(), "--rw-port");
            requireFree(config.roPort(), "--ro-port");
            config.write(layout.dir());
            String superuser = Passwords.ensure(layout.superuserPassword());
            Passwords.ensure(layout.replicationPassword());
            Passwords.writePgpass(layout.pgpass(), config, superuser);
            DataRoot.prepare(layout);
            launchSupervisor(layout);
            System.out.println("starting local cluster '" + config.cluster() + "' in " + layout.dir() + " (logs in " + layout.logs() + ")");
            return new Readiness(layout, config).await(Duration.ofSeconds(timeoutSeconds)) ? 0 : 1;
        }

        private static void requireFree(int port, String flag) throws IOException {
            try (ServerSocket ignored = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                // free
            } catch (java.net.BindException e) {
                throw new IllegalStateException("port " + port + " on 127.0.0.1 is in use; choose another with " + flag
                        + " (on a fresh directory) or stop what uses it");
            }
        }

        private static void launchSupervisor(LocalLayout layout) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // setsid: the cluster must outlive this command and not receive the terminal's Ctrl-C.
            ProcessBuilder builder = new ProcessBuilder("setsid", java, "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-cp", System.getProperty("java.class.path"), LocalSupervisor.class.getName(), "--dir", layout.dir().toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(layout.log("supervisor").toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process supervisor = builder.start();
            // setsid execs in place, so this is the supervisor's pid; writing it now lets `up` tell a supervisor
            // that is still starting from one that died.
            Files.writeString(layout.supervisorPid(), Long.toString(supervisor.pid()));
        }
    }

    @Command(name = "down", description = "Stop the local cluster; the data stays unless --clean.")
    static final class Down extends Base implements Callable<Integer> {
        @Option(names = "--clean", description = "also remove the state directory and all data")
        boolean clean;

        @Override
        public Integer call() throws Exception {
            LocalLayout layout = layout();
            Optional<ProcessHandle> running = supervisor(layout);
            if (running.isPresent()) {
                System.out.println("stopping the local cluster (the primary hands over its last WAL first)...");
                running.get().destroy();
                running.get().onExit().get(90, java.util.concurrent.TimeUnit.SECONDS);
                System.out.println("stopped");
            } else {
                System.out.println("the local cluster in " + layout.dir() + " is not running");
            }
            if (clean && Files.exists(layout.dir())) {
                Path data = layout.data();
                if (Files.isSymbolicLink(data)) {
                    deleteTree(data.toRealPath());
                }
                deleteTree(layout.dir());
                System.out.println("removed " + layout.dir());
            }
            return 0;
        }

        private static void deleteTree(Path root) throws IOException {
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Sets a keeper Pod's drill annotation and waits until the supervisor has acted on it. */
    abstract static class Drill extends Base implements Callable<Integer> {
        @Parameters(index = "0", description = "keeper name, e.g. demo-keeper-0")
        String keeper;

        abstract String desired();

        abstract boolean done(Pod pod);

        @Override
        public Integer call() throws Exception {
            LocalConfig config = config();
            config.keeper(keeper);
            ClusterStore store = store(config);
            try (var client = store.client()) {
                KeeperPods pods = new KeeperPods(client, config.namespace(), store.names());
                if (!pods.setDesired(keeper, desired())) {
                    throw new IllegalStateException("Pod " + keeper + " does not exist (being recreated?); try again in a moment");
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    Pod pod = pods.get(keeper);
                    if (pod != null && done(pod)) {
                        System.out.println(keeper + ": " + desired());
                        return 0;
                    }
                    Thread.sleep(50);
                }
                System.err.println(keeper + ": not " + desired() + " after 60 s; see " + layout().log(keeper));
                return 1;
            }
        }

        static boolean terminated(Pod pod) {
            return pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
                    && pod.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState() != null && c.getState().getTerminated() != null);
        }
    }

    @Command(name = "kill", description = "SIGKILL a keeper and its PostgreSQL: a crashed pod. It stays down until `local start`.")
    static final class Kill extends Drill {
        String desired() {
            return KeeperPods.KILLED;
        }

        boolean done(Pod pod) {
            return terminated(pod);
        }
    }

    @Command(name = "stop", description = "SIGTERM a keeper: what `kubectl delete pod` sends. It stays down until `local start`.")
    static final class Stop extends Drill {
        String desired() {
            return KeeperPods.STOPPED;
        }

        boolean done(Pod pod) {
            return terminated(pod);
        }
    }

    @Command(name = "start", description = "Start a stopped or killed keeper on its data directory, as a StatefulSet would.")
    static final class Start extends Drill {
        String desired() {
            return KeeperPods.RUNNING;
        }

        boolean done(Pod pod) {
            return !terminated(pod) && pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
        }
    }

    static List<StatusReport.Member> standbys(StatusReport report) {
        return report.members().stream().filter(m -> !m.name().equals(report.primary())).toList();
    }
}

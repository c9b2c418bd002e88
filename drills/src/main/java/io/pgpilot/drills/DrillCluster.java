package io.pgpilot.drills;

import io.pgpilot.cli.Main;
import io.pgpilot.cli.local.LocalConfig;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A fresh local cluster of its own for a drill or a benchmark: {@code pgpilot local up} in a directory
 * under {@code /tmp/<base>}, on free ports, with the API client, the superuser's password, and the writer
 * and sampler a drill runs beside it. {@link #close} brings it down, and removes it unless it is kept.
 */
public final class DrillCluster implements AutoCloseable {

    private final Path dir;
    private final LocalConfig config;
    private final String password;
    private ClusterStore store;
    private boolean keep;

    private DrillCluster(Path dir) throws IOException {
        this.dir = dir;
        this.config = LocalConfig.read(dir);
        this.password = Files.readString(dir.resolve("secrets/superuser-password")).trim();
        this.store = config.store(dir.resolve("kubeconfig"), Duration.ofSeconds(3));
    }

    /** Starts a cluster in a new directory under {@code /tmp/<base>}; fails when {@code local up} does. */
    public static DrillCluster up(String base, String name) throws IOException {
        Path parent = Path.of("/tmp", base);
        Files.createDirectories(parent);
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createTempDirectory(parent, name);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int code = Main.run("local", "up", "--dir", dir.toString(), "--rw-port", Integer.toString(freePort()),
                "--ro-port", Integer.toString(freePort()), "--timeout", "240");
        if (code != 0) {
            throw new IllegalStateException("pgpilot local up failed (exit " + code + "); logs in " + dir.resolve("logs"));
        }
        return new DrillCluster(dir);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public Path dir() {
        return dir;
    }

    public LocalConfig config() {
        return config;
    }

    /** The superuser's password, for connections straight to a member. */
    public String password() {
        return password;
    }

    public ClusterStore store() {
        return store;
    }

    /** A new API client, after the API server was restarted. */
    public void reconnect() {
        store.client().close();
        store = config.store(dir.resolve("kubeconfig"), Duration.ofSeconds(3));
    }

    /** Runs {@code pgpilot ARGS --dir DIR}; the exit code. */
    public int pgpilot(String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--dir";
        all[args.length + 1] = dir.toString();
        return Main.run(all);
    }

    public AcknowledgedWriter writer(Duration interval) throws java.sql.SQLException {
        return new AcknowledgedWriter(config.rwPort(), password, interval).start();
    }

    public PrimarySampler sampler() {
        Map<String, Integer> ports = config.keepers().stream().collect(Collectors.toMap(LocalConfig.Member::name, LocalConfig.Member::pgPort));
        return new PrimarySampler(ports, password).start();
    }

    public StatusReport status() {
        return StatusReport.read(store);
    }

    /** Turns synchronous mode on and waits until the primary applies a synchronous standby. */
    public void synchronous(BooleanSupplierWait await) {
        var spec = (Read.Found<ClusterSpec>) store.readSpec();
        store.updateSpec(spec.value().withChanges("{\"synchronousMode\": true}"), spec.resourceVersion()).orElseThrow();
        await.until(() -> store.readState() instanceof Read.Found<ClusterState> s && s.value().synchronousQuorum() >= 1, "synchronous mode");
        await.until(() -> {
            String primary = status().primary();
            return store.listKeepers().stream().filter(k -> k.keeper().equals(primary))
                    .anyMatch(k -> k.status().isFound() && !k.status().orElseThrow().synchronousStandbys().isEmpty());
        }, "the primary to apply its synchronous standbys");
    }

    /** How a caller waits for a condition (Awaitility in a test, a watch in a benchmark). */
    public interface BooleanSupplierWait {
        void until(BooleanSupplier condition, String what);
    }

    /** Keeps the directory (logs and data) at {@link #close}, for a look after a failure. */
    public void keep() {
        keep = true;
    }

    @Override
    public void close() {
        store.client().close();
        if (keep) {
            Main.run("local", "down", "--dir", dir.toString());
            System.err.println("logs and data kept in " + dir);
        } else {
            Main.run("local", "down", "--dir", dir.toString(), "--clean");
        }
    }
}

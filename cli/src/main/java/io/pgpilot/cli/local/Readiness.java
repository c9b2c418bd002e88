package io.pgpilot.cli.local;

import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.store.ClusterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;

/**
 * Waits for a local cluster to be usable, printing a line each time progress changes, then prints how to
 * connect. Ready means: a primary holds the lease, every other member streams from it, and a query
 * through the proxy's read-write port succeeds.
 */
final class Readiness {

    private final LocalLayout layout;
    private final LocalConfig config;
    private String lastProgress = "";

    Readiness(LocalLayout layout, LocalConfig config) {
        this.layout = layout;
        this.config = config;
    }

    boolean await(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ClusterStore store = null;
        try {
            while (System.nanoTime() < deadline) {
                if (LocalCommand.supervisor(layout).isEmpty()) {
                    System.err.println("the supervisor is not running; see " + layout.log("supervisor"));
                    return false;
                }
                if (store == null && Files.exists(layout.kubeconfig())) {
                    store = config.store(layout.kubeconfig(), Duration.ofSeconds(2));
                    progress("API server up");
                }
                if (store != null) {
                    try {
                        StatusReport report = StatusReport.read(store);
                        String step = step(report);
                        if (step == null && proxyAnswers()) {
                            progress("ready");
                            printHowToConnect(report);
                            return true;
                        }
                        progress(step == null ? "waiting for the proxy on 127.0.0.1:" + config.rwPort() : step);
                    } catch (RuntimeException e) {
                        progress("waiting for the API server: " + e.getMessage());
                    }
                }
                Thread.sleep(250);
            }
            System.err.println("the cluster was not ready within " + timeout.toSeconds() + " s (last: " + lastProgress + "); logs are in " + layout.logs());
            return false;
        } finally {
            if (store != null) {
                store.client().close();
            }
        }
    }

    /** What the cluster still waits for, or null when every member is in place. */
    static String step(StatusReport report) {
        long reporting = report.members().stream().filter(m -> m.host() != null).count();
        if (report.primary() == null) {
            return "keepers reporting: " + reporting + "; waiting for the sentinel to choose a primary";
        }
        List<StatusReport.Member> standbys = LocalCommand.standbys(report);
        StatusReport.Member primary = report.members().stream().filter(m -> m.name().equals(report.primary())).findFirst().orElse(null);
        if (primary == null || !"primary".equals(primary.role()) || !"running".equals(primary.state())) {
            return "primary " + report.primary() + " (epoch " + report.epoch() + "): " + (primary == null ? "not reporting yet" : primary.state());
        }
        long streaming = standbys.stream().filter(m -> "streaming".equals(m.state())).count();
        if (streaming < standbys.size()) {
            return "primary " + report.primary() + " running; standbys streaming " + streaming + "/" + standbys.size();
        }
        return null;
    }

    private boolean proxyAnswers() {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        try {
            props.setProperty("password", Files.readString(layout.superuserPassword()).trim());
        } catch (IOException e) {
            return false;
        }
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "5");
        props.setProperty("sslmode", "disable");
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + config.rwPort() + "/postgres", props)) {
            return connection.createStatement().execute("select 1");
        } catch (SQLException e) {
            return false;
        }
    }

    private void progress(String line) {
        if (!line.equals(lastProgress)) {
            System.out.println("  " + line);
            lastProgress = line;
        }
    }

    private void printHowToConnect(StatusReport report) {
        String dir = layout.dir().toString();
        String cwd = Path.of("").toAbsolutePath().toString();
        String shown = dir.startsWith(cwd + "/") ? dir.substring(cwd.length() + 1) : dir;
        System.out.println();
        System.out.println("local cluster '" + config.cluster() + "' is ready: primary " + report.primary() + ", "
                + LocalCommand.standbys(report).size() + " standbys streaming");
        System.out.println("  read-write:  PGPASSFILE=" + shown + "/pgpass psql -h 127.0.0.1 -p " + config.rwPort() + " -U postgres");
        System.out.println("  read-only:   PGPASSFILE=" + shown + "/pgpass psql -h 127.0.0.1 -p " + config.roPort() + " -U postgres");
        System.out.println("  status:      ./pgpilot status");
        System.out.println("  kubectl:     kubectl --kubeconfig " + shown + "/kubeconfig get leases,configmaps,pods");
        System.out.println("  drills:      ./pgpilot local kill|stop|start " + report.primary());
        System.out.println("  stop:        ./pgpilot local down   (add --clean to remove the data)");
    }
}

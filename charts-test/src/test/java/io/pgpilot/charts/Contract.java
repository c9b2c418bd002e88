package io.pgpilot.charts;

import io.pgpilot.config.Settings;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The process contract between the components and their packaging, as agreed for keeper, sentinel and
 * proxy (their flags, ports and main classes). The chart and the Dockerfiles are checked against it; it is
 * written here once so that a change in a component's flags shows up as a failing check, not as a pod that
 * silently ignores an environment variable (Settings does not refuse unknown variables, only unknown flags).
 */
enum Contract {

    KEEPER("io.pgpilot.keeper.KeeperMain", "keeper",
            List.of("cluster", "namespace", "kubeconfig", "name", "data-dir", "pg-bin-dir", "pg-listen-host", "pg-port", "advertise-host",
                    "http-host", "http-port", "run-as", "superuser-password-file", "replication-password-file", "superuser-password",
                    "replication-password", "priority", "no-failover"),
            Map.of("postgres", 5432, "http", 8008)),
    SENTINEL("io.pgpilot.sentinel.SentinelMain", "sentinel",
            List.of("cluster", "namespace", "kubeconfig", "name", "http-port"),
            // The sentinel's default is no HTTP (--http-port 0); the chart gives it this port for its /health.
            Map.of("http", 8010)),
    PROXY("io.pgpilot.proxy.ProxyMain", "proxy",
            List.of("cluster", "namespace", "kubeconfig", "listen-host", "rw-port", "ro-port", "http-port", "primary-wait-ms",
                    "ro-fallback-to-primary"),
            Map.of("rw", 5432, "ro", 5433, "http", 8009));

    /** Where PostgreSQL 15's binaries are in a Debian image, and the keeper's default --pg-bin-dir. */
    static final String PG_BIN_DIR = "/usr/lib/postgresql/15/bin";

    final String mainClass;
    /** The Maven module (directory) holding the main class. */
    final String module;
    final List<String> flags;
    /** The ports the process listens on by default, by the chart's port names. */
    final Map<String, Integer> ports;

    Contract(String mainClass, String module, List<String> flags, Map<String, Integer> ports) {
        this.mainClass = mainClass;
        this.module = module;
        this.flags = flags;
        this.ports = ports;
    }

    /** The environment variables the process reads: PGPILOT_ + the flag (Settings.envName). */
    Set<String> environmentVariables() {
        return flags.stream().map(Settings::envName).collect(Collectors.toSet());
    }

    /** The source file of the main class, relative to the repository root. */
    String mainClassSource() {
        return module + "/src/main/java/" + mainClass.replace('.', '/') + ".java";
    }
}

package io.pgpilot.keeper.postgres;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.ObjectNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders the postgresql.conf and pg_hba.conf the keeper writes before every start (pure text, no I/O).
 * Both live outside the data directory, in the keeper's work area, so that pg_basebackup and pg_rewind,
 * which copy the upstream's files, can never change how this member runs.
 */
public final class PostgresConfigFiles {

    private PostgresConfigFiles() {
    }

    /**
     * What postgresql.conf depends on.
     *
     * @param upstream            for a standby, where to stream from; null on a primary (or a standby about to be promoted)
     * @param slot                this member's replication slot on its upstream
     * @param synchronousStandbys primary in synchronous mode: the standbys named in synchronous_standby_names
     * @param synchronousQuorum   k of ANY k (...); 0 = asynchronous
     */
    public record Settings(
            String keeper, String listenHost, int port, Path socketDir, Path hbaFile, Path passfile,
            Endpoint upstream, String slot, List<String> synchronousStandbys, int synchronousQuorum,
            Map<String, String> userParameters) {
    }

    public static String postgresqlConf(Settings s) {
        Map<String, String> managed = new TreeMap<>();
        managed.put("listen_addresses", quote(s.listenHost()));
        managed.put("port", Integer.toString(s.port()));
        managed.put("unix_socket_directories", quote(s.socketDir().toString()));
        managed.put("hba_file", quote(s.hbaFile().toString()));
        managed.put("cluster_name", quote(s.keeper()));
        managed.put("wal_level", "replica");
        managed.put("hot_standby", "on");
        // pg_rewind needs hint bits WAL-logged (checksums would do too; both are on).
        managed.put("wal_log_hints", "on");
        managed.put("recovery_target_timeline", quote("latest"));
        managed.put("primary_conninfo", quote(s.upstream() == null ? "" : primaryConninfo(s.upstream(), s.keeper(), s.passfile())));
        managed.put("primary_slot_name", quote(s.upstream() == null ? "" : s.slot()));
        managed.put("synchronous_standby_names", quote(synchronousStandbyNames(s.synchronousStandbys(), s.synchronousQuorum())));
        // Defaults a user may raise; below the managed block so the user's value wins.
        Map<String, String> defaults = new TreeMap<>();
        defaults.put("max_wal_senders", "10");
        defaults.put("max_replication_slots", "10");
        defaults.put("wal_keep_size", quote("128MB"));
        defaults.put("hot_standby_feedback", "on");
        // A standby whose upstream went away retries only after this pause, and a reload that re-points it does
        // not cut the pause short: with PostgreSQL's 5 s, a synchronous commit on a freshly promoted primary
        // could wait up to 5 s for the re-pointed standby.
        defaults.put("wal_retrieve_retry_interval", quote("500ms"));
        defaults.put("logging_collector", "off");
        defaults.put("log_line_prefix", quote("%m [%p] "));
        StringBuilder out = new StringBuilder("# Written by the pgpilot keeper before every start; edits are lost.\n"
                + "# Put your settings in the cluster spec (postgresParameters).\n");
        defaults.forEach((k, v) -> {
            if (!s.userParameters().containsKey(k)) {
                out.append(k).append(SEPARATOR).append(v).append('\n');
            }
        });
        out.append("\n# from spec.postgresParameters\n");
        new TreeMap<>(s.userParameters()).forEach((k, v) -> {
            if (!io.pgpilot.cluster.ClusterSpec.MANAGED_PARAMETERS.contains(k.toLowerCase(Locale.ROOT))) {
                out.append(k).append(SEPARATOR).append(quote(v)).append('\n');
            }
        });
        out.append("\n# managed by pgpilot\n");
        managed.forEach((k, v) -> out.append(k).append(SEPARATOR).append(v).append('\n'));
        return out.toString();
    }

    /**
     * The user's lines first, then pgpilot's. Replication connections are admitted only for the
     * replication user, so a user line that would admit them for anyone else is left out.
     */
    public static String pgHba(List<String> userLines) {
        StringBuilder out = new StringBuilder("# Written by the pgpilot keeper; put your lines in the cluster spec (pgHba).\n");
        for (String line : userLines) {
            if (admitsReplication(line)) {
                out.append("# left out (replication is only for ").append(ObjectNames.REPLICATION_USER).append("): ").append(line).append('\n');
            } else {
                out.append(line.trim()).append('\n');
            }
        }
        String repl = ObjectNames.REPLICATION_USER;
        out.append("local all all peer\n");
        out.append("host replication ").append(repl).append(" 0.0.0.0/0 scram-sha-256\n");
        out.append("host replication ").append(repl).append(" ::/0 scram-sha-256\n");
        out.append("host replication all 0.0.0.0/0 reject\n");
        out.append("host replication all ::/0 reject\n");
        out.append("host all all 0.0.0.0/0 scram-sha-256\n");
        out.append("host all all ::/0 scram-sha-256\n");
        return out.toString();
    }

    static boolean admitsReplication(String line) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length < 3) {
            return false;
        }
        boolean replicationDb = List.of(fields[1].split(",")).contains("replication");
        return replicationDb && !fields[2].equals(ObjectNames.REPLICATION_USER);
    }

    /** The connection string a standby streams with; the password is read from {@code passfile}. */
    public static String primaryConninfo(Endpoint upstream, String keeper, Path passfile) {
        return "host=" + upstream.host() + " port=" + upstream.port() + " user=" + ObjectNames.REPLICATION_USER
                + " passfile=" + passfile + " application_name=" + keeper + " connect_timeout=2";
    }

    /** The settings that only say where a standby streams from and which standbys a primary waits for: a reload applies them. */
    /** Between a setting's name and its value, as {@link #postgresqlConf} writes them. */
    private static final String SEPARATOR = " = ";
    private static final Set<String> REPLICATION_TARGETS = Set.of("primary_conninfo", "primary_slot_name", "synchronous_standby_names");

    /** The value {@code conf} (as {@link #postgresqlConf} writes it) gives {@code name}, unquoted; null when it gives none. */
    public static String valueIn(String conf, String name) {
        String value = null;
        for (String line : conf.split("\n")) {
            if (name.equals(settingIn(line))) {
                value = unquote(line.substring(line.indexOf(SEPARATOR) + SEPARATOR.length()));
            }
        }
        return value;
    }

    /**
     * {@code conf} without the lines {@link #REPLICATION_TARGETS} set: two configurations that differ in
     * anything else differ in something only a restart applies for certain.
     */
    public static String withoutReplicationTargets(String conf) {
        StringBuilder out = new StringBuilder();
        for (String line : conf.split("\n")) {
            String setting = settingIn(line);
            if (setting == null || !REPLICATION_TARGETS.contains(setting)) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    /** The setting a line of {@link #postgresqlConf}'s output sets; null for a comment or any other line. */
    private static String settingIn(String line) {
        int eq = line.indexOf(SEPARATOR);
        return line.startsWith("#") || eq <= 0 ? null : line.substring(0, eq);
    }

    /** The upstream named by a primary_conninfo that {@link #primaryConninfo} wrote; null for an empty one or another form. */
    public static Endpoint upstreamIn(String conninfo) {
        String host = null;
        Integer port = null;
        for (String pair : conninfo == null ? new String[0] : conninfo.trim().split("\\s+")) {
            if (pair.startsWith("host=")) {
                host = pair.substring(5);
            } else if (pair.startsWith("port=")) {
                try {
                    port = Integer.parseInt(pair.substring(5));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return host == null || host.isEmpty() || port == null ? null : new Endpoint(host, port);
    }

    public static String synchronousStandbyNames(List<String> standbys, int quorum) {
        if (quorum <= 0 || standbys == null || standbys.isEmpty()) {
            return "";
        }
        List<String> quoted = new ArrayList<>();
        standbys.forEach(name -> quoted.add("\"" + name + "\""));
        return "ANY " + quorum + " (" + String.join(", ", quoted) + ")";
    }

    /** A postgresql.conf string literal. */
    static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** The inverse of {@link #quote}; a value that is not a string literal (a number, on) is returned as it is. */
    static String unquote(String value) {
        if (value.length() < 2 || !value.startsWith("'") || !value.endsWith("'")) {
            return value;
        }
        return value.substring(1, value.length() - 1).replace("''", "'").replace("\\\\", "\\");
    }
}

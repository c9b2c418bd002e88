package io.pgpilot.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The desired configuration of a cluster, kept by the user in the {@code C-spec} ConfigMap. Every field
 * has a default, so a spec names only what it changes.
 *
 * @param replicas                 how many keepers the StatefulSet runs; bounds the synchronous settings
 * @param synchronousMode          commit only when {@code minSynchronousStandbys} standbys have the WAL
 * @param minSynchronousStandbys   the quorum k of {@code ANY k (...)} in synchronous mode
 * @param strictSynchronous        with too few healthy standbys, block commits instead of falling back to asynchronous
 * @param maxLagOnFailoverBytes    in asynchronous mode, a standby further behind the last known primary position is not promoted
 * @param maxLagForReadsBytes      a standby further behind is not ready and gets no read-only traffic
 * @param renewIntervalMs          how often keepers publish status and the primary renews its lease
 * @param renewDeadlineMs          a primary that has not renewed for this long fences itself
 * @param leaseDurationMs          a lease not seen to change for this long is expired for its observer
 * @param departedKeeperGraceMs    a keeper silent for this long is retired and its replication slot dropped
 * @param pause                    the sentinel observes and reports but decides nothing
 * @param postgresParameters       extra postgresql.conf settings (those pgpilot manages itself are refused)
 * @param pgHba                    extra pg_hba.conf lines, placed before pgpilot's own
 * @param failsafe                 a primary that cannot reach the API server keeps accepting writes while every
 *                                 other member confirms it directly, over the keepers' HTTP API
 */
public record ClusterSpec(
        int replicas,
        boolean synchronousMode,
        int minSynchronousStandbys,
        boolean strictSynchronous,
        long maxLagOnFailoverBytes,
        long maxLagForReadsBytes,
        long renewIntervalMs,
        long renewDeadlineMs,
        long leaseDurationMs,
        long departedKeeperGraceMs,
        boolean pause,
        Map<String, String> postgresParameters,
        List<String> pgHba,
        boolean failsafe) {

    /** Settings that pgpilot itself sets on every member; letting the user override them would break replication or fencing. */
    public static final Set<String> MANAGED_PARAMETERS = Set.of(
            "listen_addresses", "port", "unix_socket_directories", "hba_file", "ident_file", "data_directory",
            "config_file", "primary_conninfo", "primary_slot_name", "synchronous_standby_names", "hot_standby",
            "wal_level", "restore_command", "recovery_target_timeline", "promote_trigger_file", "wal_log_hints");

    public static final ClusterSpec DEFAULT = new ClusterSpec(
            3, false, 1, false,
            1024 * 1024, 16 * 1024 * 1024,
            1_000, 5_000, 8_000, 300_000,
            false, Map.of(), List.of(), true);

    public ClusterSpec {
        postgresParameters = postgresParameters == null ? Map.of() : Map.copyOf(new TreeMap<>(postgresParameters));
        pgHba = pgHba == null ? List.of() : List.copyOf(pgHba);
    }

    /**
     * Reads a spec as a user wrote it: missing fields take their defaults, unknown fields are refused.
     * The result is not yet validated; call {@link #problems()}.
     */
    public static ClusterSpec fromJson(String json) {
        return DEFAULT.withChanges(json);
    }

    /**
     * This spec with the fields named in {@code json} replaced (a JSON merge of top-level fields): how a
     * user's partial spec, or a change such as {@code {"synchronousMode": true}}, is applied. Not validated.
     */
    public ClusterSpec withChanges(String json) {
        JsonNode given;
        try {
            given = ClusterJson.mapper().readTree(json == null ? "" : json);
        } catch (tools.jackson.core.JacksonException e) {
            throw new ClusterJson.MalformedObjectException(e.getOriginalMessage(), e);
        }
        if (given == null || given.isMissingNode() || given.isNull()) {
            return this;
        }
        if (!given.isObject()) {
            throw new ClusterJson.MalformedObjectException("must be a JSON object of settings, not " + given.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        ObjectNode merged = ClusterJson.mapper().valueToTree(this);
        merged.setAll((ObjectNode) given);
        return ClusterJson.read(merged.toString(), ClusterSpec.class);
    }

    public String toJson() {
        return ClusterJson.writePretty(this);
    }

    /** Every rule this spec breaks, each naming the field, the bad value and what is allowed; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (replicas < 1) {
            problems.add("replicas is " + replicas + ": it must be at least 1");
        }
        if (renewIntervalMs < 100) {
            problems.add("renewIntervalMs is " + renewIntervalMs + ": it must be at least 100");
        }
        if (renewDeadlineMs <= renewIntervalMs) {
            problems.add("renewDeadlineMs is " + renewDeadlineMs + ": it must be greater than renewIntervalMs (" + renewIntervalMs
                    + "), so a primary gets more than one chance to renew before it fences itself");
        }
        if (leaseDurationMs <= renewDeadlineMs) {
            problems.add("leaseDurationMs is " + leaseDurationMs + ": it must be greater than renewDeadlineMs (" + renewDeadlineMs
                    + "), so a primary fences itself before its lease can expire for anyone else");
        }
        if (departedKeeperGraceMs < leaseDurationMs) {
            problems.add("departedKeeperGraceMs is " + departedKeeperGraceMs + ": it must be at least leaseDurationMs (" + leaseDurationMs + ")");
        }
        if (minSynchronousStandbys < 0) {
            problems.add("minSynchronousStandbys is " + minSynchronousStandbys + ": it must be 0 or more");
        }
        if (synchronousMode && minSynchronousStandbys < 1) {
            problems.add("minSynchronousStandbys is " + minSynchronousStandbys + ": synchronousMode needs at least 1");
        }
        if (synchronousMode && replicas >= 1 && minSynchronousStandbys > replicas - 1) {
            problems.add("minSynchronousStandbys is " + minSynchronousStandbys + ": with replicas " + replicas + " at most "
                    + (replicas - 1) + " standbys can exist; lower it or raise replicas");
        }
        if (maxLagOnFailoverBytes < 0) {
            problems.add("maxLagOnFailoverBytes is " + maxLagOnFailoverBytes + ": it must be 0 or more");
        }
        if (maxLagForReadsBytes < 0) {
            problems.add("maxLagForReadsBytes is " + maxLagForReadsBytes + ": it must be 0 or more");
        }
        for (var entry : postgresParameters.entrySet()) {
            String name = entry.getKey().toLowerCase(Locale.ROOT);
            if (MANAGED_PARAMETERS.contains(name)) {
                problems.add("postgresParameters." + entry.getKey() + " is managed by pgpilot and cannot be set; remove it");
            } else if (!name.matches("[a-z_][a-z0-9_.]*")) {
                problems.add("postgresParameters." + entry.getKey() + " is not a PostgreSQL parameter name");
            } else if (entry.getValue() == null || entry.getValue().contains("\n")) {
                problems.add("postgresParameters." + entry.getKey() + " has no value or spans lines; give a single-line value");
            }
        }
        for (int i = 0; i < pgHba.size(); i++) {
            String line = pgHba.get(i) == null ? "" : pgHba.get(i).trim();
            String first = line.split("\\s+", 2)[0];
            if (!Set.of("local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc").contains(first) || line.contains("\n")) {
                problems.add("pgHba[" + i + "] is '" + line + "': each entry must be one pg_hba.conf line starting with local, host, hostssl or hostnossl");
            }
        }
        return problems;
    }

    /** @throws InvalidSpecException listing every problem, when the spec is not valid */
    public ClusterSpec validated() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(problems);
        }
        return this;
    }

    public ClusterSpec withPause(boolean paused) {
        return withChanges("{\"pause\": " + paused + "}");
    }

    /** A spec that breaks one or more rules; the message lists them all. */
    public static final class InvalidSpecException extends RuntimeException {
        private final List<String> problems;

        public InvalidSpecException(List<String> problems) {
            super("invalid cluster spec: " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}

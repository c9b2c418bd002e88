package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad values are refused before anything is installed, with a message that names the value. */
class ValuesSchemaTest {

    static Stream<Arguments> badValues() {
        return Stream.of(
                // values.schema.json: one value at a time
                Arguments.of(Map.of("keeper.replicas", 0), "keeper.replicas: Must be greater than or equal to 1"),
                Arguments.of(Map.of("keeper.replicas", "three"), "keeper.replicas: Invalid type. Expected: integer, given: string"),
                Arguments.of(Map.of("sentinel.replicas", 0), "sentinel.replicas: Must be greater than or equal to 1"),
                Arguments.of(Map.of("proxy.service.rwPort", 70000), "proxy.service.rwPort: Must be less than or equal to 65535"),
                Arguments.of(Map.of("proxy.service.type", "Ingress"), "proxy.service.type: proxy.service.type must be one of the following"),
                Arguments.of(Map.of("cluster.renewIntervalMs", 50), "cluster.renewIntervalMs: Must be greater than or equal to 100"),
                Arguments.of(Map.of("cluster.maxLagOnFailoverBytes", -1), "cluster.maxLagOnFailoverBytes: Must be greater than or equal to 0"),
                Arguments.of(Map.of("cluster.synchronousMode", "yes"), "cluster.synchronousMode: Invalid type. Expected: boolean"),
                Arguments.of(Map.of("cluster.pgHba[0]", "trust everyone"), "cluster.pgHba.0: Does not match pattern"),
                Arguments.of(Map.of("cluster.postgresParameters.bad-name", "1"), "cluster.postgresParameters"),
                Arguments.of(Map.of("clusterName", "Orders_DB"), "clusterName: Does not match pattern"),
                Arguments.of(Map.of("clusterName", "a".repeat(41)), "clusterName: String length must be less than or equal to 40"),
                Arguments.of(Map.of("keeper.antiAffinity", "sometimes"), "keeper.antiAffinity: keeper.antiAffinity must be one of the following"),
                Arguments.of(Map.of("keeper.storage.size", "lots"), "keeper.storage.size: Does not match pattern"),
                Arguments.of(Map.of("keeper.replicaz", 3), "keeper: Additional property replicaz is not allowed"),
                Arguments.of(Map.of("test.table", "x; DROP TABLE y"), "test.table: Does not match pattern"),
                // templates/_validate.tpl: rules between values, in ClusterSpec's words
                Arguments.of(Map.of("cluster.renewDeadlineMs", 900), "cluster.renewDeadlineMs is 900: it must be greater than cluster.renewIntervalMs (1000)"),
                Arguments.of(Map.of("cluster.leaseDurationMs", 4000), "cluster.leaseDurationMs is 4000: it must be greater than cluster.renewDeadlineMs (5000)"),
                Arguments.of(Map.of("cluster.departedKeeperGraceMs", 7000), "cluster.departedKeeperGraceMs is 7000: it must be at least cluster.leaseDurationMs (8000)"),
                Arguments.of(Map.of("cluster.synchronousMode", true, "cluster.minSynchronousStandbys", 3),
                        "cluster.minSynchronousStandbys is 3: with keeper.replicas 3 at most 2 standbys can exist"),
                Arguments.of(Map.of("cluster.synchronousMode", true, "cluster.minSynchronousStandbys", 0),
                        "cluster.minSynchronousStandbys is 0: cluster.synchronousMode needs at least 1"),
                Arguments.of(Map.of("cluster.postgresParameters.wal_level", "minimal"),
                        "cluster.postgresParameters.wal_level is managed by pgpilot and cannot be set; remove it"),
                Arguments.of(Map.of("serviceAccount.create", false), "serviceAccount.name is required when serviceAccount.create is false"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void refusedWithAMessageNamingTheValue(Map<String, Object> values, String message) {
        assertThat(PgpilotChart.refusal(values)).contains(message);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("cluster.renewDeadlineMs", 900);
        values.put("cluster.postgresParameters.port", "6000");
        assertThat(PgpilotChart.refusal(values)).contains("cluster.renewDeadlineMs is 900", "cluster.postgresParameters.port is managed");
    }

    @Test
    void aReleaseNameTooLongForAClusterNameIsRefusedNamingIt() {
        String release = "a-release-name-longer-than-forty-characters";
        try {
            PgpilotChart.renderText(release, PgpilotChart.NAMESPACE, Map.of());
            throw new AssertionError("rendered with release " + release);
        } catch (IllegalStateException e) {
            assertThat(e.getMessage()).contains("clusterName (or the release name) is '" + release + "'");
        }
        // ... and a short clusterName makes it work.
        assertThat(PgpilotChart.renderText(release, PgpilotChart.NAMESPACE, Map.of("clusterName", "orders"))).contains("orders-spec");

        String longer = "a-release-name-so-long-its-keeper-pods-cannot-be";
        try {
            PgpilotChart.renderText(longer, PgpilotChart.NAMESPACE, Map.of("clusterName", "orders"));
            throw new AssertionError("rendered with release " + longer);
        } catch (IllegalStateException e) {
            assertThat(e.getMessage()).contains("the release name '" + longer + "' is too long");
        }
    }

    /** Spec values the chart accepts are exactly those ClusterSpec accepts, so nothing the sentinel refuses gets installed. */
    static Stream<Arguments> specTimings() {
        return Stream.of(
                Arguments.of(1000, 5000, 8000, 300000, false, 1, 3),
                Arguments.of(1000, 1000, 8000, 300000, false, 1, 3),
                Arguments.of(1000, 5000, 5000, 300000, false, 1, 3),
                Arguments.of(1000, 5000, 8000, 8000, false, 1, 3),
                Arguments.of(200, 600, 900, 900, false, 1, 3),
                Arguments.of(1000, 5000, 8000, 300000, true, 4, 5),
                Arguments.of(1000, 5000, 8000, 300000, true, 5, 5),
                Arguments.of(1000, 5000, 8000, 300000, true, 1, 1),
                Arguments.of(1000, 5000, 8000, 300000, false, 0, 1));
    }

    @ParameterizedTest(name = "interval {0}, deadline {1}, lease {2}, grace {3}, sync {4} k={5} of {6}")
    @MethodSource("specTimings")
    void theChartAcceptsASpecExactlyWhenClusterSpecDoes(long interval, long deadline, long lease, long grace, boolean sync, int k, int replicas) {
        Map<String, Object> values = Map.of("cluster.renewIntervalMs", interval, "cluster.renewDeadlineMs", deadline,
                "cluster.leaseDurationMs", lease, "cluster.departedKeeperGraceMs", grace, "cluster.synchronousMode", sync,
                "cluster.minSynchronousStandbys", k, "keeper.replicas", replicas);
        ClusterSpec spec = new ClusterSpec(replicas, sync, k, false, 0, 0, interval, deadline, lease, grace, false, Map.of(), java.util.List.of(), true);
        boolean chartAccepts;
        try {
            PgpilotChart.renderText(PgpilotChart.RELEASE, PgpilotChart.NAMESPACE, values);
            chartAccepts = true;
        } catch (IllegalStateException e) {
            chartAccepts = false;
        }
        assertThat(chartAccepts).as("chart accepts; ClusterSpec problems: %s", spec.problems()).isEqualTo(spec.problems().isEmpty());
    }

    @Test
    void theChartRefusesTheSameManagedParametersAsClusterSpec() throws IOException {
        String validate = Files.readString(PgpilotChart.directory().resolve("templates/_validate.tpl"));
        Matcher list = Pattern.compile("\\$managed := list ([^-}]*)").matcher(validate);
        assertThat(list.find()).as("the $managed list in _validate.tpl").isTrue();
        Set<String> chart = Arrays.stream(list.group(1).trim().split("\\s+")).map(s -> s.replace("\"", "")).collect(Collectors.toSet());
        assertThat(chart).isEqualTo(ClusterSpec.MANAGED_PARAMETERS);
    }
}

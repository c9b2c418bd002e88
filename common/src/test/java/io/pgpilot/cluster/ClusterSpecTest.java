package io.pgpilot.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClusterSpecTest {

    @Test
    void anEmptySpecTakesEveryDefaultAndIsValid() {
        ClusterSpec spec = ClusterSpec.fromJson("{}");
        assertThat(spec).isEqualTo(ClusterSpec.DEFAULT);
        assertThat(spec.problems()).isEmpty();
    }

    @Test
    void aPartialSpecKeepsTheDefaultsOfWhatItDoesNotName() {
        ClusterSpec spec = ClusterSpec.fromJson("{\"synchronousMode\": true, \"postgresParameters\": {\"work_mem\": \"8MB\"}}");
        assertThat(spec.synchronousMode()).isTrue();
        assertThat(spec.leaseDurationMs()).isEqualTo(ClusterSpec.DEFAULT.leaseDurationMs());
        assertThat(spec.postgresParameters()).containsEntry("work_mem", "8MB");
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        ClusterSpec spec = new ClusterSpec(5, true, 2, true, 4096, 8192, 500, 2000, 3000, 60_000, true,
                Map.of("max_connections", "200"), List.of("host all all 10.0.0.0/8 scram-sha-256"), true);
        assertThat(ClusterSpec.fromJson(spec.toJson())).isEqualTo(spec);
    }

    @Test
    void changesReplaceOnlyTheFieldsTheyName() {
        ClusterSpec spec = ClusterSpec.fromJson("{\"replicas\": 5}").withChanges("{\"synchronousMode\": true}");
        assertThat(spec.replicas()).isEqualTo(5);
        assertThat(spec.synchronousMode()).isTrue();
        assertThat(spec.withPause(true).pause()).isTrue();
    }

    @Test
    void aMisspelledFieldIsRefusedByName() {
        assertThatThrownBy(() -> ClusterSpec.fromJson("{\"synchronusMode\": true}"))
                .isInstanceOf(ClusterJson.MalformedObjectException.class)
                .hasMessageContaining("synchronusMode");
    }

    @Test
    void aSpecThatIsNotAnObjectIsRefused() {
        assertThatThrownBy(() -> ClusterSpec.fromJson("[1,2]"))
                .isInstanceOf(ClusterJson.MalformedObjectException.class)
                .hasMessageContaining("must be a JSON object");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "{\"replicas\": 0}                                          | replicas is 0: it must be at least 1",
            "{\"renewIntervalMs\": 50}                                  | renewIntervalMs is 50: it must be at least 100",
            "{\"renewIntervalMs\": 2000, \"renewDeadlineMs\": 2000}     | renewDeadlineMs is 2000: it must be greater than renewIntervalMs (2000)",
            "{\"renewDeadlineMs\": 9000}                                | leaseDurationMs is 8000: it must be greater than renewDeadlineMs (9000)",
            "{\"departedKeeperGraceMs\": 1000}                          | departedKeeperGraceMs is 1000: it must be at least leaseDurationMs (8000)",
            "{\"minSynchronousStandbys\": -1}                           | minSynchronousStandbys is -1: it must be 0 or more",
            "{\"synchronousMode\": true, \"minSynchronousStandbys\": 0} | minSynchronousStandbys is 0: synchronousMode needs at least 1",
            "{\"synchronousMode\": true, \"minSynchronousStandbys\": 3} | minSynchronousStandbys is 3: with replicas 3 at most 2 standbys can exist",
            "{\"maxLagOnFailoverBytes\": -5}                            | maxLagOnFailoverBytes is -5: it must be 0 or more",
            "{\"maxLagForReadsBytes\": -5}                              | maxLagForReadsBytes is -5: it must be 0 or more",
            "{\"postgresParameters\": {\"port\": \"6000\"}}             | postgresParameters.port is managed by pgpilot and cannot be set",
            "{\"postgresParameters\": {\"work mem\": \"1MB\"}}          | postgresParameters.work mem is not a PostgreSQL parameter name",
            "{\"pgHba\": [\"allow everyone\"]}                          | pgHba[0] is 'allow everyone': each entry must be one pg_hba.conf line",
    })
    void eachRuleNamesTheFieldTheValueAndWhatIsAllowed(String json, String message) {
        ClusterSpec spec = ClusterSpec.fromJson(json);
        assertThat(spec.problems()).anySatisfy(problem -> assertThat(problem).startsWith(message));
        assertThatThrownBy(spec::validated)
                .isInstanceOf(ClusterSpec.InvalidSpecException.class)
                .hasMessageStartingWith("invalid cluster spec: ")
                .hasMessageContaining(message);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ClusterSpec spec = ClusterSpec.fromJson("{\"replicas\": 0, \"maxLagOnFailoverBytes\": -1}");
        assertThat(spec.problems()).hasSize(2);
    }
}

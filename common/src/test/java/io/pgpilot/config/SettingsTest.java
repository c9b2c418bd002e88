package io.pgpilot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void flagsWinOverTheEnvironmentAndBothForms() {
        Settings settings = Settings.parse("keeper", new String[]{"--data-dir", "/a", "--pg-port=6000", "--no-failover"},
                Map.of("PGPILOT_DATA_DIR", "/b", "PGPILOT_HTTP_PORT", "9000"), Set.of("no-failover"));
        assertThat(settings.path("data-dir", null)).isEqualTo(Path.of("/a"));
        assertThat(settings.port("pg-port", 5432)).isEqualTo(6000);
        assertThat(settings.port("http-port", 8008)).isEqualTo(9000);
        assertThat(settings.flag("no-failover")).isTrue();
        assertThat(settings.string("advertise-host", "127.0.0.1")).isEqualTo("127.0.0.1");
        settings.finish();
    }

    @Test
    void everyProblemIsReportedAtOnceWithWhatToChange() {
        Settings settings = Settings.parse("keeper", new String[]{"--pg-port", "99999", "--dta-dir", "/x", "--name"}, Map.of(), Set.of());
        settings.port("pg-port", 5432);
        settings.required("data-dir", "where PostgreSQL keeps its files");
        settings.string("name", null);
        assertThatThrownBy(settings::finish)
                .isInstanceOf(Settings.BadSettingsException.class)
                .hasMessageStartingWith("keeper cannot start:")
                .hasMessageContaining("--pg-port is 99999: it must be between 0 and 65535")
                .hasMessageContaining("--data-dir (or PGPILOT_DATA_DIR) is required: where PostgreSQL keeps its files")
                .hasMessageContaining("unknown flag --dta-dir")
                .hasMessageContaining("--name needs a value");
    }

    @Test
    void aNonNumberIsRefusedByName() {
        Settings settings = Settings.parse("proxy", new String[]{"--rw-port", "fast"}, Map.of(), Set.of());
        settings.port("rw-port", 5432);
        assertThatThrownBy(settings::finish).hasMessageContaining("--rw-port is 'fast': it must be a whole number");
    }

    @Test
    void durationsAreMillisecondsWithALowerBound() {
        Settings settings = Settings.parse("proxy", new String[]{"--primary-wait-ms", "10000000000", "--startup-timeout-ms", "5"}, Map.of(), Set.of());
        assertThat(settings.millis("primary-wait-ms", 5000, 0)).isEqualTo(10_000_000_000L);
        settings.millis("startup-timeout-ms", 10_000, 100);
        assertThatThrownBy(settings::finish).hasMessageContaining("--startup-timeout-ms is 5: it must be at least 100 (milliseconds)");
    }

    @Test
    void kubeAccessRefusesABadClusterNameAndAMissingKubeconfig() {
        Settings settings = Settings.parse("sentinel", new String[]{"--cluster", "Not_OK", "--kubeconfig", "/nonexistent/kubeconfig"},
                Map.of(), Set.of());
        KubeAccess.from(settings);
        assertThatThrownBy(settings::finish)
                .hasMessageContaining("cluster name 'Not_OK' is not allowed")
                .hasMessageContaining("--kubeconfig /nonexistent/kubeconfig does not exist");
    }
}

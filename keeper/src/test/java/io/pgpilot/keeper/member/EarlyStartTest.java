package io.pgpilot.keeper.member;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.keeper.postgres.PostgresConfigFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a restarted member's PostgreSQL may start before the cluster is read, and when it must wait. */
class EarlyStartTest {

    private static final String HBA = PostgresConfigFiles.pgHba(List.of());

    private static String conf(String member, String host, int port) {
        return PostgresConfigFiles.postgresqlConf(new PostgresConfigFiles.Settings(member, host, port, Path.of("/d/run"), Path.of("/d/conf/pg_hba.conf"),
                Path.of("/d/secrets/pgpass"), new Endpoint("10.0.0.1", 5432), "pgpilot_" + member, List.of(), 0, Map.of()));
    }

    private static String whyNot(boolean empty, boolean standby, String settings, String hba) {
        return EarlyStart.whyNot(empty, standby, settings, hba, "k2", "127.0.0.1", 6543);
    }

    @Test
    void standbyDataWithThisMembersPreviousConfigurationStartsAtOnce() {
        assertThat(whyNot(false, true, conf("k2", "127.0.0.1", 6543), HBA)).isNull();
    }

    @Test
    void anythingElseWaitsForTheCluster() {
        String mine = conf("k2", "127.0.0.1", 6543);
        assertThat(whyNot(true, false, null, null)).contains("no data directory");
        assertThat(whyNot(false, false, mine, HBA)).as("data that last ran as a primary may need a rewind").contains("primary");
        assertThat(whyNot(false, true, null, HBA)).contains("no configuration");
        assertThat(whyNot(false, true, mine, null)).contains("no configuration");
        assertThat(whyNot(false, true, conf("k3", "127.0.0.1", 6543), HBA)).contains("not this member's");
        assertThat(whyNot(false, true, conf("k2", "127.0.0.1", 7000), HBA)).contains("another address or port");
        assertThat(whyNot(false, true, conf("k2", "0.0.0.0", 6543), HBA)).contains("another address or port");
    }
}

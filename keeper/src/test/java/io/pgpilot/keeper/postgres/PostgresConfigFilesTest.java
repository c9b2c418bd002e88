package io.pgpilot.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.Endpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresConfigFilesTest {

    private static PostgresConfigFiles.Settings settings(Endpoint upstream, Map<String, String> user) {
        return new PostgresConfigFiles.Settings("k2", "127.0.0.1", 6543, Path.of("/d/run"), Path.of("/d/conf/pg_hba.conf"), Path.of("/d/secrets/pgpass"),
                upstream, "pgpilot_k2", List.of("k1", "k3"), 1, user);
    }

    @Test
    void standbyStreamsWithItsNameAndSlotAndAPassfileNotAPassword() {
        String conf = PostgresConfigFiles.postgresqlConf(settings(new Endpoint("10.0.0.1", 5432), Map.of()));
        assertThat(conf)
                .contains("primary_conninfo = 'host=10.0.0.1 port=5432 user=replicator passfile=/d/secrets/pgpass application_name=k2 connect_timeout=2'")
                .contains("primary_slot_name = 'pgpilot_k2'")
                .contains("wal_level = replica").contains("hot_standby = on").contains("wal_log_hints = on")
                .contains("listen_addresses = '127.0.0.1'").contains("port = 6543").contains("unix_socket_directories = '/d/run'")
                .contains("max_wal_senders = 10").contains("max_replication_slots = 10")
                .doesNotContain("password=");
    }

    @Test
    void primaryHasNoConninfoAndItsSynchronousSet() {
        String conf = PostgresConfigFiles.postgresqlConf(settings(null, Map.of()));
        assertThat(conf).contains("primary_conninfo = ''").contains("synchronous_standby_names = 'ANY 1 (\"k1\", \"k3\")'");
    }

    @Test
    void userParametersAreQuotedAndCannotOverrideManagedOnes() {
        String conf = PostgresConfigFiles.postgresqlConf(settings(null, Map.of("work_mem", "8MB", "max_wal_senders", "20", "port", "1", "search_path", "a'b")));
        assertThat(conf).contains("work_mem = '8MB'").contains("max_wal_senders = '20'").doesNotContain("max_wal_senders = 10")
                .contains("search_path = 'a''b'").doesNotContain("port = '1'");
    }

    @Test
    void replicationIsAdmittedOnlyForTheReplicationUser() {
        String hba = PostgresConfigFiles.pgHba(List.of("host all app 10.0.0.0/8 scram-sha-256", "host replication bob 0.0.0.0/0 trust"));
        assertThat(hba).startsWith("# Written").contains("host all app 10.0.0.0/8 scram-sha-256\n")
                .contains("# left out (replication is only for replicator): host replication bob 0.0.0.0/0 trust")
                .contains("host replication replicator 0.0.0.0/0 scram-sha-256")
                .contains("host replication all 0.0.0.0/0 reject");
        assertThat(hba.indexOf("host all app")).isLessThan(hba.indexOf("host replication replicator"));
        assertThat(hba.lines().filter(l -> !l.startsWith("#") && l.contains("replication") && !l.contains("replicator") && !l.contains("reject"))).isEmpty();
    }

    @Test
    void aWrittenConfigurationIsReadBackSettingBySetting() {
        Endpoint upstream = new Endpoint("10.0.0.1", 5432);
        String conf = PostgresConfigFiles.postgresqlConf(settings(upstream, Map.of("search_path", "a'b", "application_name", "x\\y")));
        assertThat(PostgresConfigFiles.valueIn(conf, "cluster_name")).isEqualTo("k2");
        assertThat(PostgresConfigFiles.valueIn(conf, "port")).isEqualTo("6543");
        assertThat(PostgresConfigFiles.valueIn(conf, "search_path")).isEqualTo("a'b");
        assertThat(PostgresConfigFiles.valueIn(conf, "application_name")).isEqualTo("x\\y");
        assertThat(PostgresConfigFiles.valueIn(conf, "shared_buffers")).isNull();
        assertThat(PostgresConfigFiles.upstreamIn(PostgresConfigFiles.valueIn(conf, "primary_conninfo"))).isEqualTo(upstream);
        assertThat(PostgresConfigFiles.upstreamIn(PostgresConfigFiles.valueIn(PostgresConfigFiles.postgresqlConf(settings(null, Map.of())), "primary_conninfo")))
                .as("a primary's configuration names no upstream").isNull();
        assertThat(PostgresConfigFiles.upstreamIn("host=10.0.0.1 port=x")).isNull();
    }

    @Test
    void configurationsThatDifferOnlyInWhereTheyStreamFromCompareEqualWithoutThoseLines() {
        String asStandby = PostgresConfigFiles.postgresqlConf(settings(new Endpoint("10.0.0.1", 5432), Map.of("work_mem", "8MB")));
        String elsewhere = PostgresConfigFiles.postgresqlConf(settings(new Endpoint("10.0.0.3", 5432), Map.of("work_mem", "8MB")));
        String asPrimary = PostgresConfigFiles.postgresqlConf(settings(null, Map.of("work_mem", "8MB")));
        String biggerBuffers = PostgresConfigFiles.postgresqlConf(settings(new Endpoint("10.0.0.1", 5432), Map.of("work_mem", "8MB", "shared_buffers", "1GB")));
        assertThat(asStandby).isNotEqualTo(elsewhere);
        assertThat(PostgresConfigFiles.withoutReplicationTargets(asStandby))
                .isEqualTo(PostgresConfigFiles.withoutReplicationTargets(elsewhere))
                .isEqualTo(PostgresConfigFiles.withoutReplicationTargets(asPrimary))
                .isNotEqualTo(PostgresConfigFiles.withoutReplicationTargets(biggerBuffers))
                .doesNotContain("primary_conninfo").contains("work_mem = '8MB'");
    }
}

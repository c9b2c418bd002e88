package io.pgpilot.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresCommandsTest {

    private final PostgresCommands asRoot = new PostgresCommands(Path.of("/pg/bin"), "postgres");

    @Test
    void asRootEveryToolDropsToThePostgresUserAndDiesWithTheKeeper() {
        for (List<String> command : List.of(
                asRoot.initdb(Path.of("/d/pgdata"), Path.of("/d/secrets/pw"), "postgres"),
                asRoot.postmaster(Path.of("/d/pgdata"), Path.of("/d/conf/postgresql.conf")),
                asRoot.basebackup(Path.of("/d/clone"), "10.0.0.1", 5432, "replicator", "pgpilot_k2"),
                asRoot.rewind(Path.of("/d/pgdata"), "host=10.0.0.1 passfile=/d/secrets/pgpass"),
                asRoot.controldata(Path.of("/d/pgdata")))) {
            assertThat(command.subList(0, 6)).containsExactly("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--pdeathsig=KILL", "--");
            assertThat(String.join(" ", command)).doesNotContainIgnoringCase("password=");
        }
    }

    @Test
    void withoutRootOnlyTheParentDeathSignalIsSet() {
        List<String> command = new PostgresCommands(Path.of("/pg/bin"), null).postmaster(Path.of("/d/pgdata"), Path.of("/d/c.conf"));
        assertThat(command).containsExactly("setpriv", "--pdeathsig=KILL", "--", "/pg/bin/postgres", "-D", "/d/pgdata", "-c", "config_file=/d/c.conf");
    }

    @Test
    void initdbUsesScramChecksumsAndAPasswordFile() {
        assertThat(asRoot.initdb(Path.of("/d/pgdata"), Path.of("/d/secrets/pw"), "postgres"))
                .contains("/pg/bin/initdb", "--pwfile=/d/secrets/pw", "--auth-host=scram-sha-256", "--data-checksums", "--username=postgres");
    }

    @Test
    void baseBackupStreamsThroughTheMembersSlotWithoutPrompting() {
        assertThat(asRoot.basebackup(Path.of("/d/clone"), "10.0.0.1", 5432, "replicator", "pgpilot_k2"))
                .contains("--slot=pgpilot_k2", "--wal-method=stream", "--no-password", "--username=replicator", "--host=10.0.0.1", "--port=5432");
    }
}

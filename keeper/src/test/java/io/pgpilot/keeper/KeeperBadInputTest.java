package io.pgpilot.keeper;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.FailoverRecord;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.postgres.PostgresCommands;
import io.pgpilot.keeper.testing.TestDirs;
import io.pgpilot.local.JavaProcess;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.testing.ApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A keeper given something it cannot work with stops at start with a message naming the problem and what
 * to do, and leaves the data directory exactly as it was.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeeperBadInputTest {

    private Path base;
    private ApiServer api;
    private String namespace;
    private Path su;
    private Path repl;

    @BeforeAll
    void start() throws IOException {
        base = TestDirs.create("bad");
        api = ApiServer.start(base.resolve("api"));
        namespace = ApiServer.freshNamespace();
        su = base.resolve("su.pw");
        repl = base.resolve("repl.pw");
        Files.writeString(su, "su-pw\n");
        Files.writeString(repl, "repl-pw\n");
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.close();
        }
        TestDirs.delete(base);
    }

    @Test
    void dataDirectoryOfAnotherClusterIsRefusedAndLeftUntouched() throws Exception {
        Path dataDir = base.resolve("foreign");
        Path pgdata = dataDir.resolve("pgdata");
        Files.createDirectories(pgdata);
        chown(dataDir, "postgres");
        chown(pgdata, "postgres");
        Files.setPosixFilePermissions(pgdata, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path pw = base.resolve("initdb.pw");
        Files.writeString(pw, "x\n");
        chown(pw, "postgres");
        List<String> initdb = new PostgresCommands(KeeperConfig.DEFAULT_BIN_DIR, "postgres")
                .initdb(pgdata, pw, "postgres");
        Process p = new ProcessBuilder(initdb).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();

        // The cluster's primary k1 reports a different system identifier.
        ClusterStore store = new ClusterStore(api.client(Duration.ofSeconds(10)), namespace, new ObjectNames("c2"));
        ClusterState state = ClusterState.INITIAL.next(Phase.NORMAL, "bootstrap", "k1", 1,
                        Map.of("k1", MemberPlan.primary(), "k2", MemberPlan.standbyOf("k1")), List.of(), 0)
                .withHistory(new FailoverRecord(1, null, "k1", "bootstrap", "now"));
        store.createState(state).orElseThrow();
        store.publishKeeperStatus(KeeperStatus.starting("k1", "127.0.0.1", 5432, 8008).toBuilder()
                .role(PostgresRole.PRIMARY).systemIdentifier("1234567890").build(), null).orElseThrow();

        Map<String, String> before = snapshot(pgdata);
        Result result = runKeeper("c2", dataDir, KeeperConfig.DEFAULT_BIN_DIR);
        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.output).contains("has system identifier").contains("primary k1 has 1234567890")
                .contains("belongs to another cluster").contains("nothing was changed");
        assertThat(snapshot(pgdata)).as("data directory untouched").isEqualTo(before);
    }

    @Test
    void missingBinariesAreNamed() throws Exception {
        Path dataDir = base.resolve("nobin");
        Files.createDirectories(dataDir);
        Files.writeString(dataDir.resolve("keep.me"), "data");
        Map<String, String> before = snapshot(dataDir);
        Result result = runKeeper("c3", dataDir, Path.of("/nonexistent/pg/bin"));
        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.output).contains("PostgreSQL binary /nonexistent/pg/bin/initdb is missing")
                .contains("/nonexistent/pg/bin/pg_rewind").contains("--pg-bin-dir");
        assertThat(snapshot(dataDir)).isEqualTo(before);
    }

    @Test
    void dataDirectoryOwnedByAnotherUserIsRefused() throws Exception {
        Path dataDir = base.resolve("owned");
        Files.createDirectories(dataDir.resolve("pgdata"));
        Files.writeString(dataDir.resolve("pgdata/PG_VERSION"), "15\n");
        chown(dataDir, "nobody");
        chown(dataDir.resolve("pgdata"), "nobody");
        Map<String, String> before = snapshot(dataDir);
        Result result = runKeeper("c4", dataDir, KeeperConfig.DEFAULT_BIN_DIR);
        assertThat(result.exitCode).isEqualTo(2);
        assertThat(result.output).contains("is owned by nobody, not postgres").contains("nothing was changed");
        assertThat(snapshot(dataDir)).isEqualTo(before);
        assertThat(Files.getOwner(dataDir).getName()).isEqualTo("nobody");
    }

    private record Result(int exitCode, String output) {
    }

    private Result runKeeper(String cluster, Path dataDir, Path binDir) throws Exception {
        Path log = base.resolve(cluster + ".log");
        JavaProcess keeper = JavaProcess.start("keeper-" + cluster, KeeperMain.class.getName(), List.of(
                "--cluster", cluster, "--namespace", namespace, "--kubeconfig", api.kubeconfig().toString(), "--name", "k2",
                "--data-dir", dataDir.toString(), "--pg-bin-dir", binDir.toString(), "--pg-port", Integer.toString(TestDirs.freePort()),
                "--http-port", "0", "--superuser-password-file", su.toString(), "--replication-password-file", repl.toString()), log, Map.of());
        if (!keeper.process().waitFor(60, TimeUnit.SECONDS)) {
            keeper.stop(Duration.ofSeconds(5));
            throw new AssertionError("keeper did not exit on bad input; log:\n" + keeper.tail(30));
        }
        return new Result(keeper.process().exitValue(), Files.readString(log));
    }

    private static void chown(Path path, String user) throws IOException {
        Files.setOwner(path, path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user));
    }

    /** Every file's size, modification time and owner, to prove nothing changed. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.toList());
            for (Path p : all) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                files.put(dir.relativize(p).toString(), a.size() + "/" + a.lastModifiedTime().toMillis() + "/" + Files.getOwner(p).getName());
            }
        }
        return files;
    }
}

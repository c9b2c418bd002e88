package io.pgpilot.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fence watchdog process against a stand-in postmaster (a program named "postgres", running as
 * PostgreSQL's user): nothing of the keeper's JVM is involved once it is armed, which is the point of it.
 */
class FenceWatchdogProcessTest {

    /** As the keeper decides: PostgreSQL refuses root, so a keeper run as root runs it as postgres. */
    private static final String RUN_AS = "root".equals(System.getProperty("user.name")) ? "postgres" : null;

    Path root;
    WorkArea area;
    FenceWatchdogProcess watchdog;
    final List<Process> started = new ArrayList<>();

    @BeforeEach
    void area() throws IOException {
        root = Files.createTempDirectory("fence-watchdog");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        area = new WorkArea(root, RUN_AS);
        Files.createDirectories(area.socketDir());
        area.own(area.socketDir(), "rwx------");
        Files.createFile(area.postgresLog());
        watchdog = new FenceWatchdogProcess(area, new PostgresCommands(Path.of("/usr/lib/postgresql/15/bin"), RUN_AS));
    }

    @AfterEach
    void stop() {
        watchdog.stop();
        started.forEach(Process::destroyForcibly);
    }

    /** A long sleep under the program name {@code name}, as PostgreSQL's user. */
    private Process program(String name) throws IOException {
        Path copy = root.resolve(name);
        Files.copy(Path.of("/usr/bin/sleep"), copy, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> command = new ArrayList<>();
        if (RUN_AS != null) {
            command.addAll(List.of("setpriv", "--reuid=" + RUN_AS, "--regid=" + RUN_AS, "--init-groups", "--"));
        }
        command.addAll(List.of(copy.toString(), "600"));
        Process p = new ProcessBuilder(command).start();
        started.add(p);
        return p;
    }

    private static long inMillis(long ms) {
        return System.nanoTime() + ms * 1_000_000L;
    }

    @Test
    void stopsThePostmasterOnceAnArmedDeadlinePassesWithoutAnotherWordFromTheKeeper() throws Exception {
        Process postmaster = program("postgres");
        long deadline = inMillis(300);
        watchdog.arm(postmaster.pid(), deadline);
        await().atMost(Duration.ofSeconds(10)).until(() -> !postmaster.isAlive());
        long late = (System.nanoTime() - deadline) / 1_000_000;
        System.out.println("FENCE WATCHDOG: the stand-in postmaster was gone " + late + " ms after its deadline");
        assertThat(late).as("not before the deadline").isGreaterThanOrEqualTo(0);
        assertThat(Files.readString(area.postgresLog())).contains("fence-watchdog: the primary Lease was not renewed by its deadline");
    }

    @Test
    void aDeadlineMovedOnInTimeOrDisarmedLeavesItRunning() throws Exception {
        Process postmaster = program("postgres");
        long until = inMillis(1_500);
        while (System.nanoTime() < until) {
            watchdog.arm(postmaster.pid(), inMillis(300));
            Thread.sleep(100);   // the pace of a keeper renewing, not a wait for a condition
        }
        assertThat(postmaster.isAlive()).isTrue();
        watchdog.disarm();
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(postmaster::isAlive);
    }

    @Test
    void neverSignalsAProcessThatIsNotPostgres() throws Exception {
        Process other = program("notpostgres");
        watchdog.arm(other.pid(), inMillis(-1_000));
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(other::isAlive);
    }
}

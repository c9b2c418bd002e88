package io.pgpilot.keeper.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fence that holds when the keeper's JVM does not run: a small process beside PostgreSQL
 * ({@code fence-watchdog.pl}, Perl from the PostgreSQL packages' own dependencies) that stops the postmaster
 * once an armed deadline passes, unless the keeper has moved the deadline on by renewing. The keeper's own
 * watchdog thread fences first; this one covers a JVM that is paused, frozen or starved past the deadline.
 * Started on the first arming, through the same parent thread as the postmaster, so it dies with the keeper.
 */
final class FenceWatchdogProcess {

    private static final Logger log = LoggerFactory.getLogger(FenceWatchdogProcess.class);
    private static final String SCRIPT = "fence-watchdog.pl";

    private final WorkArea area;
    private final PostgresCommands commands;
    private Process process;
    private String written = "";
    private boolean unavailable;

    FenceWatchdogProcess(WorkArea area, PostgresCommands commands) {
        this.area = area;
        this.commands = commands;
    }

    /** PostgreSQL ({@code pid}) may accept writes until {@code deadlineNanos} of {@link System#nanoTime}, unless armed again. */
    synchronized void arm(long pid, long deadlineNanos) {
        write("armed " + pid + " " + deadlineNanos);
        ensureRunning();
    }

    /** PostgreSQL accepts no writes by this keeper's leave: nothing to stop. */
    synchronized void disarm() {
        if (!written.isEmpty()) {
            write("disarmed");
        }
    }

    /** Ends the watchdog process; the keeper's exit ends it as well. */
    synchronized void stop() {
        if (process != null) {
            process.destroy();
        }
    }

    private void write(String line) {
        if (line.equals(written)) {
            return;
        }
        try {
            area.writePrivate(area.fenceDeadline(), line + "\n");
            written = line;
        } catch (IOException e) {
            log.warn("cannot write the fence deadline {} ({}); the keeper's own watchdog still fences", area.fenceDeadline(), e.getMessage());
        }
    }

    private void ensureRunning() {
        if (unavailable || (process != null && process.isAlive())) {
            return;
        }
        try {
            Path script = area.socketDir().resolve(SCRIPT);
            try (InputStream in = FenceWatchdogProcess.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IOException(SCRIPT + " is missing from the keeper's jar");
                }
                Path tmp = script.resolveSibling("." + SCRIPT + ".tmp");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            area.own(script, "r--------");
            List<String> command = new ArrayList<>(commands.fenceWatchdog(script, area.fenceDeadline()));
            process = Postmaster.spawn(command, area.postgresLog());
            log.info("fence watchdog started (pid {}): PostgreSQL stops at the lease's renew deadline even if this keeper's JVM does not run",
                    process.pid());
        } catch (IOException e) {
            unavailable = true;
            log.warn("cannot start the fence watchdog ({}); the keeper's own watchdog thread still fences, but not while its JVM is frozen",
                    e.getMessage());
        }
    }
}

package io.pgpilot.drills;

import io.pgpilot.cli.local.LocalLayout;
import io.pgpilot.process.Signal;
import io.pgpilot.process.Signals;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The processes of one local cluster, for faults aimed at one of them: each component's JVM is found by the
 * log file it writes to (its stdout, unique to the cluster's directory and the component), a keeper's
 * PostgreSQL by its postmaster.pid. Linux only (/proc).
 */
public final class LocalProcesses {

    private final LocalLayout layout;

    public LocalProcesses(Path clusterDir) {
        this.layout = new LocalLayout(clusterDir);
    }

    /**
     * The JVM of {@code component} (a keeper's name, a sentinel's, the proxy's, or "api-server"); empty when
     * it does not run.
     */
    public OptionalLong jvm(String component) {
        Path log = layout.log(component).toAbsolutePath();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                try {
                    if (Files.readSymbolicLink(proc.resolve("fd/1")).equals(log) && !isZombie(proc)) {
                        return OptionalLong.of(Long.parseLong(proc.getFileName().toString()));
                    }
                } catch (IOException | SecurityException e) {
                    // gone meanwhile, or another user's
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return OptionalLong.empty();
    }

    private static boolean isZombie(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    /** The postmaster of {@code keeper}'s PostgreSQL; empty when it does not run. */
    public OptionalLong postmaster(String keeper) {
        Path pidFile = layout.dataDir(keeper).resolve("pgdata/postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile);
            long pid = Long.parseLong(lines.get(0).trim());
            Path proc = Path.of("/proc/" + pid);
            return Files.exists(proc) && !isZombie(proc) ? OptionalLong.of(pid) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Sends {@code signal} to {@code component}'s JVM; false when it does not run. */
    public boolean signalJvm(String component, Signal signal) {
        OptionalLong pid = jvm(component);
        pid.ifPresent(p -> Signals.send(p, signal));
        return pid.isPresent();
    }

    /** Sends {@code signal} to {@code keeper}'s postmaster; false when it does not run. */
    public boolean signalPostmaster(String keeper, Signal signal) {
        OptionalLong pid = postmaster(keeper);
        pid.ifPresent(p -> Signals.send(p, signal));
        return pid.isPresent();
    }
}

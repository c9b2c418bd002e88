package io.pgpilot.keeper.testing;

import io.pgpilot.keeper.KeeperMain;
import io.pgpilot.local.JavaProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A keeper started as its own JVM, the way local mode runs it; restartable on the same data directory. */
public final class KeeperProcess implements AutoCloseable {

    public final String name;
    public final Path dataDir;
    public final int pgPort;
    private final List<String> args;
    private final Path log;
    private JavaProcess process;

    public KeeperProcess(String name, Path base, Path kubeconfig, String cluster, String namespace, Path superuserPw, Path replicationPw) {
        this.name = name;
        this.dataDir = base.resolve(name);
        this.pgPort = TestDirs.freePort();
        this.log = base.resolve(name + ".log");
        this.args = List.of("--cluster", cluster, "--namespace", namespace, "--kubeconfig", kubeconfig.toString(), "--name", name,
                "--data-dir", dataDir.toString(), "--pg-port", Integer.toString(pgPort), "--http-port", "0",
                "--superuser-password-file", superuserPw.toString(), "--replication-password-file", replicationPw.toString());
    }

    public KeeperProcess start() {
        if (process != null && process.isAlive()) {
            // A retried test step starts it again: two keepers on one data directory would outlive the test.
            process.close();
        }
        try {
            process = JavaProcess.start(name, KeeperMain.class.getName(), args, log, Map.of());
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JavaProcess process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    public long countInLog(String text) {
        return logText().lines().filter(l -> l.contains(text)).count();
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }
}

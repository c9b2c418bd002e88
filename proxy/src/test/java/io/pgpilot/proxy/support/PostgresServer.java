package io.pgpilot.proxy.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL 15 server for tests: initdb with trust authentication and a postmaster run as the
 * postgres user, child of this JVM with a parent-death signal so it never outlives the test run.
 */
public final class PostgresServer implements AutoCloseable {

    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final String name;
    private final Path dir;
    private final int port;
    private final Process postmaster;

    private PostgresServer(String name, Path dir, int port, Process postmaster) {
        this.name = name;
        this.dir = dir;
        this.port = port;
        this.postmaster = postmaster;
    }

    /** A directory postgres can traverse, for every server of one test class. */
    public static Path baseDir(String what) throws IOException, InterruptedException {
        Path base = Path.of("/tmp", "pgpilot-tests-proxy-" + what + "-" + ProcessHandle.current().pid());
        Files.createDirectories(base);
        run(List.of("chmod", "755", base.toString()));
        return base;
    }

    public static PostgresServer start(Path base, String name, String... settings) throws IOException, InterruptedException {
        Path dir = base.resolve(name);
        Path data = dir.resolve("data");
        run(List.of("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", dir.toString(), data.toString()));
        run(asPostgres(false, BIN.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
                "--no-sync", "-E", "UTF8", "--locale=C"));
        int port = freePort();
        List<String> command = new ArrayList<>(asPostgres(true, BIN.resolve("postgres").toString(), "-D", data.toString(),
                "-p", String.valueOf(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off"));
        for (String setting : settings) {
            command.add("-c");
            command.add(setting);
        }
        Process postmaster = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile())).start();
        PostgresServer server = new PostgresServer(name, dir, port, postmaster);
        await("PostgreSQL " + name + " accepts connections").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> {
                    if (!postmaster.isAlive()) {
                        throw new IllegalStateException("postgres " + name + " exited; see " + dir.resolve("postgres.log"));
                    }
                    try (Connection c = server.connectDirect()) {
                        return c.isValid(2);
                    }
                });
        return server;
    }

    private static List<String> asPostgres(boolean pdeathsig, String... command) {
        List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"));
        if (pdeathsig) {
            all.add("--pdeathsig=KILL");
        }
        all.add("--");
        all.addAll(List.of(command));
        return all;
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    public String name() {
        return name;
    }

    public int port() {
        return port;
    }

    public Connection connectDirect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&sslmode=disable");
    }

    @Override
    public void close() {
        postmaster.destroy();   // SIGTERM: smart shutdown would wait for clients, so follow with SIGKILL
        try {
            if (!postmaster.waitFor(5, TimeUnit.SECONDS)) {
                postmaster.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Removes every server's files under {@code base}. */
    public static void removeAll(Path base) throws IOException, InterruptedException {
        run(List.of("rm", "-rf", base.toString()));
    }
}

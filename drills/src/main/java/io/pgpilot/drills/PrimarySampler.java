package io.pgpilot.drills;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Samples every member directly (not through the proxy) and records any moment at which more than one of
 * them accepted a write. A member "accepts writes" when a connection to it succeeds and
 * {@code pg_is_in_recovery()} is false and {@code transaction_read_only} is off.
 */
public final class PrimarySampler implements AutoCloseable {

    private final Map<String, Integer> ports;
    private final long intervalMs;
    private final BiConsumer<Long, List<String>> onSample;
    private final Properties props;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long samples;
    private volatile List<String> lastWritable = List.of();

    public PrimarySampler(Map<String, Integer> ports, String password) {
        this(ports, password, 25, (nanos, writable) -> { });
    }

    /**
     * @param intervalMs the pause between two rounds
     * @param onSample   told each round's time ({@link System#nanoTime}) and the members that accepted writes
     */
    public PrimarySampler(Map<String, Integer> ports, String password, long intervalMs, BiConsumer<Long, List<String>> onSample) {
        this.intervalMs = intervalMs;
        this.onSample = onSample;
        this.ports = Map.copyOf(ports);
        this.props = PgConnections.properties(password, 1, 1);
        this.thread = new Thread(this::loop, "primary-sampler");
        this.thread.setDaemon(true);
    }

    public PrimarySampler start() {
        thread.start();
        return this;
    }

    private void loop() {
        while (running) {
            long at = System.nanoTime();
            List<String> writable = new ArrayList<>();
            for (var member : ports.entrySet()) {
                if (acceptsWrites(member.getKey(), member.getValue())) {
                    writable.add(member.getKey());
                }
            }
            samples++;
            lastWritable = List.copyOf(writable);
            onSample.accept(at, lastWritable);
            if (writable.size() > 1) {
                synchronized (violations) {
                    violations.add(System.currentTimeMillis() + ": " + writable);
                }
            }
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean acceptsWrites(String name, int port) {
        try {
            Connection c = connections.get(name);
            if (c == null) {
                c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
                connections.put(name, c);
            }
            try (Statement s = c.createStatement(); var rs = s.executeQuery("select not pg_is_in_recovery() and current_setting('transaction_read_only') = 'off'")) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            Connection broken = connections.remove(name);
            if (broken != null) {
                try {
                    broken.close();
                } catch (SQLException ignored) {
                    // gone
                }
            }
            return false;
        }
    }

    public List<String> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** The members that accepted writes in the latest sample. */
    public List<String> lastWritable() {
        return lastWritable;
    }

    public long samples() {
        return samples;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(5_000);
        connections.values().forEach(c -> {
            try {
                c.close();
            } catch (SQLException ignored) {
                // gone
            }
        });
    }
}

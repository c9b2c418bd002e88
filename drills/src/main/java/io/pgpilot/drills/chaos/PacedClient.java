package io.pgpilot.drills.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

/**
 * A client of the chaos run: one statement at a steady pace on its own thread, over one connection that is
 * opened again after every failure. After an outage it goes on at its pace; it does not burst to make up.
 */
abstract class PacedClient implements AutoCloseable {

    private static final long PAUSE_AFTER_FAILURE_NANOS = 20_000_000L;

    private final String url;
    private final Properties props;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean running = true;

    PacedClient(String name, int port, Properties props, long intervalNanos) {
        this.url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        this.props = props;
        this.intervalNanos = intervalNanos;
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
    }

    /** A new connection is open: prepare what {@link #step} runs on it. */
    protected abstract void opened(Connection connection) throws SQLException;

    /** One statement; throws when it fails, and the connection is then opened again for the next. */
    protected abstract void step() throws SQLException;

    /** A step or a connection attempt failed. */
    protected void failed() {
    }

    final PacedClient start() {
        thread.start();
        return this;
    }

    private void loop() {
        Connection connection = null;
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            next = Math.max(next + intervalNanos, now);
            LockSupport.parkNanos(next - now);
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(url, props);
                    opened(connection);
                }
                step();
            } catch (SQLException e) {
                failed();
                close(connection);
                connection = null;
                LockSupport.parkNanos(PAUSE_AFTER_FAILURE_NANOS);
            }
        }
        close(connection);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    @Override
    public final void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}

package io.pgpilot.drills.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;

/** One of the chaos run's readers: a small query through the read-only port at a steady pace, each attempt recorded. */
final class ChaosReader implements AutoCloseable {

    private final String url;
    private final Properties props;
    private final long intervalNanos;
    private final History history;
    private final Thread thread;
    private volatile boolean running = true;

    ChaosReader(int number, int port, Properties props, long intervalNanos, History history) {
        this.url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        this.props = props;
        this.intervalNanos = intervalNanos;
        this.history = history;
        this.thread = new Thread(this::loop, "chaos-reader-" + number);
        this.thread.setDaemon(true);
    }

    ChaosReader start() {
        thread.start();
        return this;
    }

    private void loop() {
        Connection connection = null;
        PreparedStatement query = null;
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            next = Math.max(next + intervalNanos, now);
            LockSupport.parkNanos(next - now);
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(url, props);
                    query = connection.prepareStatement("select max(id) from " + ChaosWriter.TABLE + " where writer = 1");
                }
                try (ResultSet rs = query.executeQuery()) {
                    rs.next();
                }
                history.read(new History.Read(System.nanoTime(), true));
            } catch (SQLException e) {
                history.read(new History.Read(System.nanoTime(), false));
                ChaosWriter.close(connection);
                connection = null;
                query = null;
            }
        }
        ChaosWriter.close(connection);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}

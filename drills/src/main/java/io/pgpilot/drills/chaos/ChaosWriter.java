package io.pgpilot.drills.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * One of the chaos run's writers: inserts numbered rows with a random value through the read-write port at a
 * steady pace, and records each acknowledged insert in the {@link History} with its value and the port of the
 * member that accepted it. An insert whose outcome is unknown (the connection broke) is sent again, same id
 * and value, until it is acknowledged or found already there.
 */
final class ChaosWriter implements AutoCloseable {

    static final String TABLE = "pgpilot_chaos";

    private final int number;
    private final String url;
    private final Properties props;
    private final long intervalNanos;
    private final History history;
    private final Thread thread;
    private volatile boolean running = true;

    ChaosWriter(int number, int port, Properties props, long intervalNanos, History history) {
        this.number = number;
        this.url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        this.props = props;
        this.intervalNanos = intervalNanos;
        this.history = history;
        this.thread = new Thread(this::loop, "chaos-writer-" + number);
        this.thread.setDaemon(true);
    }

    static void createTable(int port, Properties props) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
             var s = c.createStatement()) {
            s.execute("create table if not exists " + TABLE + " (writer int, id bigint, value text not null, primary key (writer, id))");
        }
    }

    ChaosWriter start() {
        thread.start();
        return this;
    }

    private void loop() {
        Connection connection = null;
        PreparedStatement insert = null;
        long id = 1;
        String value = value(id);
        long next = System.nanoTime();
        while (running) {
            long now = System.nanoTime();
            next = Math.max(next + intervalNanos, now);
            LockSupport.parkNanos(next - now);
            long sent = System.nanoTime();
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(url, props);
                    insert = connection.prepareStatement("insert into " + TABLE + " (writer, id, value) values (?, ?, ?) on conflict do nothing"
                            + " returning inet_server_port()");
                }
                insert.setInt(1, number);
                insert.setLong(2, id);
                insert.setString(3, value);
                int port;
                try (ResultSet rs = insert.executeQuery()) {
                    // No row: the insert was already there, committed by an attempt whose answer was lost.
                    port = rs.next() ? rs.getInt(1) : 0;
                }
                history.ack(new History.Ack(number, id, value, sent, System.nanoTime(), port));
                id++;
                value = value(id);
            } catch (SQLException e) {
                close(connection);
                connection = null;
                insert = null;
                LockSupport.parkNanos(20_000_000L);
            }
        }
        close(connection);
    }

    private String value(long id) {
        return number + "-" + id + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}

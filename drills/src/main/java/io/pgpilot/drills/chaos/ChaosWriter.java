package io.pgpilot.drills.chaos;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One of the chaos run's writers: inserts numbered rows with a random value through the read-write port at a
 * steady pace, and records each acknowledged insert in the {@link History} with its value and the port of the
 * member that accepted it. An insert whose outcome is unknown (the connection broke) is sent again, same id
 * and value, until it is acknowledged or found already there.
 */
final class ChaosWriter extends PacedClient {

    static final String TABLE = "pgpilot_chaos";

    private final int number;
    private final History history;
    private PreparedStatement insert;
    private long id = 1;
    private String value;

    ChaosWriter(int number, int port, Properties props, long intervalNanos, History history) {
        super("chaos-writer-" + number, port, props, intervalNanos);
        this.number = number;
        this.history = history;
        this.value = value(id);
    }

    static void createTable(int port, Properties props) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
             var s = c.createStatement()) {
            s.execute("create table if not exists " + TABLE + " (writer int, id bigint, value text not null, primary key (writer, id))");
        }
    }

    @Override
    protected void opened(Connection connection) throws SQLException {
        insert = connection.prepareStatement("insert into " + TABLE + " (writer, id, value) values (?, ?, ?) on conflict do nothing"
                + " returning inet_server_port()");
    }

    @Override
    protected void step() throws SQLException {
        long sent = System.nanoTime();
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
    }

    private String value(long of) {
        return number + "-" + of + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }
}

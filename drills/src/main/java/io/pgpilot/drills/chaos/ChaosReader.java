package io.pgpilot.drills.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

/** One of the chaos run's readers: a small query through the read-only port at a steady pace, each attempt recorded. */
final class ChaosReader extends PacedClient {

    private final History history;
    private PreparedStatement query;

    ChaosReader(int number, int port, Properties props, long intervalNanos, History history) {
        super("chaos-reader-" + number, port, props, intervalNanos);
        this.history = history;
    }

    @Override
    protected void opened(Connection connection) throws SQLException {
        query = connection.prepareStatement("select max(id) from " + ChaosWriter.TABLE + " where writer = 1");
    }

    @Override
    protected void step() throws SQLException {
        try (ResultSet rs = query.executeQuery()) {
            rs.next();
        }
        history.read(new History.Read(System.nanoTime(), true));
    }

    @Override
    protected void failed() {
        history.read(new History.Read(System.nanoTime(), false));
    }
}

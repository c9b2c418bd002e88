package io.pgpilot.keeper.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** Plain JDBC to a member, as a client would connect. */
public final class Sql {

    private Sql() {
    }

    public static Connection connect(int port, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
    }

    public static void execute(int port, String password, String sql) throws SQLException {
        try (Connection c = connect(port, password); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of the first row, or null. */
    public static String query(int port, String password, String sql) throws SQLException {
        try (Connection c = connect(port, password); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Like {@link #query} but null on any connection or query error, for use inside awaits. */
    public static String tryQuery(int port, String password, String sql) {
        try {
            return query(port, password, sql);
        } catch (SQLException e) {
            return null;
        }
    }
}

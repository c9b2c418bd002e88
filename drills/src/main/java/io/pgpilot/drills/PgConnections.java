package io.pgpilot.drills;

import java.util.Properties;

/** How the drills connect to PostgreSQL: as the superuser, without TLS, with bounded waits so a fault cannot hang a client. */
public final class PgConnections {

    private PgConnections() {
    }

    /**
     * @param connectSeconds bound on opening a connection
     * @param socketSeconds  bound on waiting for an answer
     */
    public static Properties properties(String password, int connectSeconds, int socketSeconds) {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Integer.toString(connectSeconds));
        props.setProperty("socketTimeout", Integer.toString(socketSeconds));
        props.setProperty("sslmode", "disable");
        props.setProperty("tcpKeepAlive", "true");
        return props;
    }
}

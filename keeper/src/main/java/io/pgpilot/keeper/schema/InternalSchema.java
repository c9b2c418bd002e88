package io.pgpilot.keeper.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The keeper's own schema {@code pgpilot} on the primary, migrated with Flyway's API when a keeper becomes
 * primary (never at start-up: there is no database then), and the heartbeat row the primary updates.
 */
public final class InternalSchema {

    public static final String SCHEMA = "pgpilot";

    private InternalSchema() {
    }

    /** Brings the schema to the latest version; a no-op when it already is. Returns how many migrations ran. */
    public static int migrate(DataSource primary) {
        return flyway(primary).migrate().migrationsExecuted;
    }

    /**
     * Reads the migration state on a standby (read-only, changes nothing) so that Flyway's classes are loaded
     * and its code has run before a promotion: cold, the first migrate costs about half a second of CPU right
     * when the new primary should be answering its first clients.
     */
    public static void warmUp(DataSource standby) {
        flyway(standby).info();
    }

    private static Flyway flyway(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .schemas(SCHEMA)
                .defaultSchema(SCHEMA)
                .createSchemas(true)
                .locations("classpath:db/pgpilot")
                .load();
    }

    /** The primary's heartbeat: standbys measure their lag in seconds by the age of the replayed row. */
    public static void beat(DataSource primary, String keeper, long epoch) throws SQLException {
        try (Connection c = primary.getConnection();
             PreparedStatement st = c.prepareStatement("update pgpilot.heartbeat set keeper = ?, epoch = ?, beat = now() where id = 1")) {
            st.setString(1, keeper);
            st.setLong(2, epoch);
            st.executeUpdate();
        }
    }
}

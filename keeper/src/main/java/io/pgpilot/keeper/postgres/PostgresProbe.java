package io.pgpilot.keeper.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.model.Observation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The keeper's own connections to its PostgreSQL: a small HikariCP pool over TCP as the superuser. It
 * never blocks start-up (PostgreSQL is usually not running yet) and gives up on a connection quickly, so a
 * stuck PostgreSQL cannot stall the keeper's loop.
 */
public final class PostgresProbe implements AutoCloseable {

    private final HikariDataSource pool;

    public PostgresProbe(String host, int port, String superuserPassword) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("pgpilot-keeper");
        config.setJdbcUrl("jdbc:postgresql://" + host + ":" + port + "/postgres?connectTimeout=2&socketTimeout=10&ApplicationName=pgpilot-keeper");
        config.setUsername(ObjectNames.SUPERUSER);
        config.setPassword(superuserPassword);
        config.setMaximumPoolSize(3);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(1_500);
        config.setValidationTimeout(1_000);
        config.setInitializationFailTimeout(-1);
        config.setAutoCommit(true);
        // The keeper's own writes (replication user, schema, heartbeat row) must never wait for a synchronous
        // standby: right after a promotion none is connected yet, and they connect only once this keeper has
        // created their slots.
        config.setConnectionInitSql("SET synchronous_commit TO local");
        this.pool = new HikariDataSource(config);
    }

    public DataSource dataSource() {
        return pool;
    }

    /** Drops pooled connections, after PostgreSQL restarted or changed role. */
    public void reset() {
        pool.getHikariPoolMXBean().softEvictConnections();
    }

    public Connection connection() throws SQLException {
        return pool.getConnection();
    }

    public Observation observe() {
        try (Connection c = connection(); Statement st = c.createStatement()) {
            boolean recovery;
            String sysid;
            try (ResultSet rs = st.executeQuery("select pg_is_in_recovery(), (select system_identifier::text from pg_control_system())")) {
                rs.next();
                recovery = rs.getBoolean(1);
                sysid = rs.getString(2);
            }
            if (!recovery) {
                return observePrimary(st, sysid);
            }
            return observeStandby(st, sysid);
        } catch (SQLException e) {
            return Observation.unreachable(e.getMessage());
        }
    }

    private Observation observePrimary(Statement st, String sysid) throws SQLException {
        Lsn write;
        Lsn flush;
        int timeline;
        try (ResultSet rs = st.executeQuery("select pg_current_wal_lsn()::text, pg_current_wal_flush_lsn()::text, "
                + "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")) {
            rs.next();
            write = Lsn.parse(rs.getString(1));
            flush = Lsn.parse(rs.getString(2));
            timeline = rs.getInt(3);
        }
        List<Observation.Replica> replicas = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("select application_name, state, sync_state, coalesce(replay_lsn, '0/0')::text from pg_stat_replication")) {
            while (rs.next()) {
                replicas.add(new Observation.Replica(rs.getString(1), rs.getString(2), rs.getString(3), Lsn.parse(rs.getString(4))));
            }
        }
        return new Observation(PostgresRole.PRIMARY, sysid, timeline, write, flush, flush, null, null, 0, replicas, 0, null);
    }

    private Observation observeStandby(Statement st, String sysid) throws SQLException {
        Lsn receive;
        Lsn replay;
        try (ResultSet rs = st.executeQuery("select coalesce(pg_last_wal_receive_lsn(), '0/0')::text, coalesce(pg_last_wal_replay_lsn(), '0/0')::text")) {
            rs.next();
            receive = Lsn.parse(rs.getString(1));
            replay = Lsn.parse(rs.getString(2));
        }
        String status = null;
        String senderHost = null;
        int senderPort = 0;
        int timeline = 0;
        Lsn written = receive;
        Lsn flushed = receive;
        try (ResultSet rs = st.executeQuery("select status, sender_host, coalesce(sender_port, 0), received_tli, "
                + "coalesce(written_lsn, '0/0')::text, coalesce(flushed_lsn, '0/0')::text from pg_stat_wal_receiver")) {
            if (rs.next()) {
                status = rs.getString(1);
                senderHost = rs.getString(2);
                senderPort = rs.getInt(3);
                timeline = rs.getInt(4);
                written = Lsn.max(Lsn.parse(rs.getString(5)), receive);
                flushed = Lsn.max(Lsn.parse(rs.getString(6)), receive);
            }
        }
        // The checkpoint's timeline lags a standby that switched timelines until its next restartpoint; the
        // receiver's is current while it streams. The keeper also never lets a reported timeline go down.
        try (ResultSet rs = st.executeQuery("select timeline_id from pg_control_checkpoint()")) {
            rs.next();
            timeline = Math.max(timeline, rs.getInt(1));
        }
        double age = -1;
        try (ResultSet rs = st.executeQuery("select extract(epoch from now() - beat) from pgpilot.heartbeat where id = 1")) {
            if (rs.next()) {
                age = Math.max(0, rs.getDouble(1));
            }
        } catch (SQLException noSchemaYet) {
            // The primary has not migrated the internal schema yet, or it has not been replayed here.
        }
        return new Observation(PostgresRole.STANDBY, sysid, timeline, written, flushed, replay, status, senderHost, senderPort, List.of(), age, null);
    }

    @Override
    public void close() {
        pool.close();
    }
}

package io.pgpilot.drills;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Inserts numbered rows through the proxy's read-write port, one at a time, and remembers every insert
 * the server acknowledged (the commit returned). After a failover every remembered row must still be
 * there: that is what "no acknowledged write lost" means. It also records the gaps between consecutive
 * acknowledgements, which is the unavailability a client saw.
 */
public final class AcknowledgedWriter implements AutoCloseable {

    /** The table the writer inserts into, one row per insert. */
    public static final String TABLE = "pgpilot_drill";

    /** Pauses between acknowledgements longer than this are remembered; a write here takes a few milliseconds. */
    private static final long GAP_NANOS = 20_000_000L;

    private final String url;
    private final Properties props;
    private final Set<Long> acknowledged = new ConcurrentSkipListSet<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong lastAckNanos = new AtomicLong();
    private final List<long[]> gaps = new ArrayList<>();
    private final Thread thread;
    private final long intervalNanos;
    private volatile boolean running = true;
    private volatile long errors;

    /** A writer that inserts back to back, as fast as the cluster acknowledges. */
    public AcknowledgedWriter(int rwPort, String password) {
        this(rwPort, password, Duration.ZERO);
    }

    /**
     * A writer that starts an insert at most once per {@code interval} (zero: back to back). A paced writer
     * stands for an application that leaves the machine some CPU; back to back, it and PostgreSQL take what
     * two cores have.
     */
    public AcknowledgedWriter(int rwPort, String password, Duration interval) {
        this.intervalNanos = interval.toNanos();
        this.url = "jdbc:postgresql://127.0.0.1:" + rwPort + "/postgres";
        this.props = PgConnections.properties(password, 3, 3);
        this.thread = new Thread(this::loop, "acknowledged-writer");
        this.thread.setDaemon(true);
    }

    /** Creates the table (through the same port) and starts writing. */
    public AcknowledgedWriter start() throws SQLException {
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
            s.execute("create table if not exists " + TABLE + " (id bigint primary key, written_at timestamptz not null default now())");
            try (var rs = s.executeQuery("select coalesce(max(id), 0) + 1 from " + TABLE)) {
                rs.next();
                nextId.set(rs.getLong(1));
            }
        }
        thread.start();
        return this;
    }

    private void loop() {
        Connection connection = null;
        PreparedStatement insert = null;
        long nextStart = System.nanoTime();
        while (running) {
            if (intervalNanos > 0) {
                // After an outage the writer resumes its pace; it does not burst to make up the missed inserts.
                long now = System.nanoTime();
                nextStart = Math.max(nextStart + intervalNanos, now);
                LockSupport.parkNanos(nextStart - now);
            }
            long id = nextId.get();
            try {
                if (connection == null) {
                    connection = DriverManager.getConnection(url, props);
                    insert = connection.prepareStatement("insert into " + TABLE + " (id) values (?) on conflict (id) do nothing");
                }
                insert.setLong(1, id);
                insert.executeUpdate();
                long now = System.nanoTime();
                long previous = lastAckNanos.getAndSet(now);
                acknowledged.add(id);
                nextId.incrementAndGet();
                if (previous != 0 && now - previous > GAP_NANOS) {
                    synchronized (gaps) {
                        gaps.add(new long[]{previous, now});
                    }
                }
            } catch (SQLException e) {
                errors++;
                // The outcome of this insert is unknown (the commit may or may not have happened): it is not
                // counted as acknowledged, and it is retried with the same id, which "on conflict" makes safe.
                closeQuietly(connection);
                connection = null;
                insert = null;
                pause(20);
            }
        }
        closeQuietly(connection);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already broken
            }
        }
    }

    public Set<Long> acknowledged() {
        return Set.copyOf(acknowledged);
    }

    public int acknowledgedCount() {
        return acknowledged.size();
    }

    public long errors() {
        return errors;
    }

    /** Nanos of the last acknowledged insert (System.nanoTime), 0 before the first. */
    public long lastAckNanos() {
        return lastAckNanos.get();
    }

    /** The first acknowledgement at or after {@code nanos}, waiting up to the timeout; -1 if none came. */
    public long firstAckAfter(long nanos, long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            long last = lastAckNanos.get();
            if (last >= nanos) {
                synchronized (gaps) {
                    for (long[] gap : gaps) {
                        if (gap[1] >= nanos) {
                            return gap[1];
                        }
                    }
                }
                return last;
            }
            pause(5);
        }
        return -1;
    }

    /** The longest time between two acknowledgements that ended after {@code nanos} (nanoseconds). */
    public long longestGapSince(long nanos) {
        long longest = 0;
        synchronized (gaps) {
            for (long[] gap : gaps) {
                if (gap[1] >= nanos) {
                    longest = Math.max(longest, gap[1] - gap[0]);
                }
            }
        }
        return longest;
    }

    /**
     * The rows acknowledged so far that the current primary does not hold. The acknowledged set is taken
     * before the read, so rows acknowledged while reading are not mistaken for lost ones.
     */
    public Set<Long> lost() throws SQLException {
        Set<Long> missing = new java.util.TreeSet<>(acknowledged);
        missing.removeAll(readAll());
        return missing;
    }

    /**
     * Every id in the table, read through the read-write port from a server that is out of recovery (a
     * standby could still be replaying what it received).
     */
    public Set<Long> readAll() throws SQLException {
        Set<Long> ids = new java.util.HashSet<>();
        try (Connection c = DriverManager.getConnection(url, props); Statement s = c.createStatement()) {
            try (var rs = s.executeQuery("select pg_is_in_recovery()")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new SQLException("the read-write port reached a server in recovery");
                }
            }
            try (var rs = s.executeQuery("select id from " + TABLE)) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
        }
        return ids;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}

package io.pgpilot.keeper.postgres;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.model.TimelineHistory;
import io.pgpilot.keeper.model.WalPosition;
import io.pgpilot.process.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;

/**
 * The operations on this keeper's PostgreSQL: initdb, clone, rewind, start, promote, re-point, stop. Each
 * does one thing; deciding which one to do is {@code io.pgpilot.keeper.converge.Convergence}'s job.
 */
public final class PostgresNode implements LocalPostgres {

    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(30);
    private static final Pattern SYSID = Pattern.compile("Database system identifier:\\s+(\\d+)");
    /** How often start() and promote() look again: each saved millisecond is a shorter handoff or rejoin. */
    private static final long START_POLL_MS = 20;
    private static final long PROMOTE_POLL_MS = 5;
    private static final Pattern CHECKPOINT = Pattern.compile("Latest checkpoint location:\\s+([0-9A-Fa-f]+/[0-9A-Fa-f]+)");
    private static final Pattern STATE = Pattern.compile("Database cluster state:\\s+(.+)");
    private static final String CURRENT_TIMELINE_SQL = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

    private final WorkArea area;
    private final PostgresCommands commands;
    private final CommandRunner runner;
    private final Passwords passwords;
    private final PostgresProbe probe;
    private final WalEndReader walEnds;
    private final FenceWatchdogProcess fence;
    private volatile Postmaster postmaster;
    private volatile String systemIdentifier;

    public PostgresNode(WorkArea area, PostgresCommands commands, Passwords passwords, PostgresProbe probe) {
        this.area = area;
        this.commands = commands;
        this.runner = new CommandRunner(area.postgresLog());
        this.passwords = passwords;
        this.probe = probe;
        this.walEnds = new WalEndReader(area, commands, runner);
        this.fence = new FenceWatchdogProcess(area, commands);
    }

    public WorkArea area() {
        return area;
    }

    public PostgresProbe probe() {
        return probe;
    }

    public Postmaster postmaster() {
        return postmaster;
    }

    @Override
    public boolean isRunning() {
        Postmaster p = postmaster;
        return p != null && p.isRunning();
    }

    @Override
    public long pid() {
        Postmaster p = postmaster;
        return p != null && p.isRunning() ? p.pid() : 0;
    }

    @Override
    public Observation observe() {
        return probe.observe();
    }

    @Override
    public void armFence(long deadlineNanos) {
        Postmaster p = postmaster;
        if (p != null && p.isRunning()) {
            fence.arm(p.pid(), deadlineNanos);
        }
    }

    @Override
    public void disarmFence() {
        fence.disarm();
    }

    @Override
    public void stopAcceptingWrites(Duration escalation) {
        Postmaster p = postmaster;
        if (p != null) {
            p.signal(Signal.INT);
            if (!p.awaitExit(escalation)) {
                p.stopImmediate(Duration.ofSeconds(5));
            }
        }
    }

    /** The libpq password file, rewritten at every start so a rotated Secret takes effect. */
    public void writePassfile() throws IOException {
        writePassfile(area, passwords);
    }

    public static void writePassfile(WorkArea area, Passwords passwords) throws IOException {
        area.writePrivate(area.passfile(), "*:*:*:" + ObjectNames.REPLICATION_USER + ":" + escapePass(passwords.replication()) + "\n"
                + "*:*:*:" + ObjectNames.SUPERUSER + ":" + escapePass(passwords.superuser()) + "\n");
    }

    /** Takes on a postmaster started for this data directory before this node existed ({@code EarlyStart}). */
    public void adopt(Postmaster started) {
        postmaster = started;
    }

    private static String escapePass(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\:");
    }

    public void writeConfig(PostgresConfigFiles.Settings settings, java.util.List<String> userHba) throws IOException {
        area.writePrivate(area.postgresqlConf(), PostgresConfigFiles.postgresqlConf(settings));
        area.writePrivate(area.pgHba(), PostgresConfigFiles.pgHba(userHba));
    }

    /** initdb into an empty data directory; the superuser password goes through a file only PostgreSQL's user can read. */
    public void initdb() throws IOException {
        systemIdentifier = null;
        Path pgdata = area.pgdata();
        if (!Files.exists(pgdata)) {
            Files.createDirectory(pgdata);
        }
        area.own(pgdata, "rwx------");
        Path pwfile = area.secretsDir().resolve("initdb.pw");
        area.writePrivate(pwfile, passwords.superuser() + "\n");
        try {
            runner.runOrThrow("initdb", commands.initdb(pgdata, pwfile, ObjectNames.SUPERUSER), Map.of(), TOOL_TIMEOUT);
        } finally {
            Files.deleteIfExists(pwfile);
        }
    }

    /**
     * pg_basebackup from {@code upstream} through {@code slot} into a scratch directory, moved into place only
     * when complete, then marked as a standby.
     */
    public void cloneFrom(Endpoint upstream, String slot) throws IOException {
        systemIdentifier = null;
        Path target = area.cloneTarget();
        WorkArea.deleteTree(target);
        Files.createDirectory(target);
        area.own(target, "rwx------");
        runner.runOrThrow("pg_basebackup from " + upstream,
                commands.basebackup(target, upstream.host(), upstream.port(), ObjectNames.REPLICATION_USER, slot),
                Map.of("PGPASSFILE", area.passfile().toString()), TOOL_TIMEOUT);
        Path pgdata = area.pgdata();
        if (Files.isDirectory(pgdata) && area.pgdataEmpty()) {
            Files.delete(pgdata);
        }
        Files.move(target, pgdata, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        markStandby();
    }

    /** Rewinds a former primary onto {@code upstream}'s timeline and marks it a standby. */
    public void rewindFrom(Endpoint upstream) throws IOException {
        checkpointOn(upstream);
        String source = "host=" + upstream.host() + " port=" + upstream.port() + " user=" + ObjectNames.SUPERUSER
                + " dbname=postgres connect_timeout=5 passfile=" + area.passfile();
        runner.runOrThrow("pg_rewind from " + upstream, commands.rewind(area.pgdata(), source), Map.of(), TOOL_TIMEOUT);
        markStandby();
    }

    /**
     * A primary promoted a moment ago records its new timeline in its control file only at the next
     * checkpoint, and pg_rewind reads the timeline from there: without a CHECKPOINT, a rewind onto a fresh
     * primary can target the old timeline and leave a data directory that cannot follow the new one. Skipped
     * when the control file is already current (the checkpoint that follows a promotion has run): under load
     * a CHECKPOINT is the longest part of a rejoin.
     */
    private void checkpointOn(Endpoint upstream) throws IOException {
        try (Connection c = connectTo(upstream); Statement st = c.createStatement()) {
            boolean current;
            try (var rs = st.executeQuery("select (select timeline_id from pg_control_checkpoint()) = " + CURRENT_TIMELINE_SQL)) {
                rs.next();
                current = rs.getBoolean(1);
            }
            if (!current) {
                st.execute("CHECKPOINT");
            }
        } catch (SQLException e) {
            throw new IOException("cannot run CHECKPOINT on " + upstream + " before pg_rewind: " + e.getMessage(), e);
        }
    }

    /** {@code upstream}'s current timeline and where each timeline of its past ended. */
    public TimelineHistory historyOf(Endpoint upstream) throws IOException {
        try (Connection c = connectTo(upstream)) {
            return history(c);
        } catch (SQLException | IllegalArgumentException e) {
            throw new IOException("cannot read the timeline history of " + upstream + ": " + e.getMessage(), e);
        }
    }

    /** This server's own timeline history, through the keeper's pool (a primary publishes it in its status). */
    public TimelineHistory ownHistory() throws SQLException {
        try (Connection c = probe.connection()) {
            return history(c);
        } catch (IllegalArgumentException e) {
            throw new SQLException("unreadable timeline history file: " + e.getMessage(), e);
        }
    }

    private static TimelineHistory history(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            int timeline;
            try (var rs = st.executeQuery("select case when pg_is_in_recovery() then (select received_tli from pg_stat_wal_receiver) "
                    + "else " + CURRENT_TIMELINE_SQL + " end")) {
                rs.next();
                timeline = rs.getInt(1);
            }
            if (timeline <= 1) {
                return new TimelineHistory(Math.max(timeline, 1), Map.of());
            }
            try (var rs = st.executeQuery("select pg_read_file('pg_wal/" + String.format("%08X", timeline) + ".history')")) {
                rs.next();
                return TimelineHistory.parse(timeline, rs.getString(1));
            }
        }
    }

    private Connection connectTo(Endpoint upstream) throws SQLException {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", ObjectNames.SUPERUSER);
        props.setProperty("password", passwords.superuser());
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "60");
        props.setProperty("sslmode", "disable");
        return java.sql.DriverManager.getConnection("jdbc:postgresql://" + upstream.host() + ":" + upstream.port() + "/postgres", props);
    }

    /** Where this stopped member's WAL ends, read offline; null when that cannot be told (see {@link WalEndReader}). */
    public WalPosition localWalEnd() {
        return isRunning() ? null : walEnds.read();
    }

    public void markStandby() throws IOException {
        if (!Files.exists(area.standbySignal())) {
            Files.createFile(area.standbySignal());
        }
        area.own(area.standbySignal(), "rw-------");
    }

    /**
     * Starts the postmaster and waits until it answers queries.
     *
     * @throws IOException when it exits or does not answer within {@code timeout}; the message has its last log lines
     */
    public void start(Duration timeout) throws IOException {
        if (isRunning()) {
            return;
        }
        awaitAnswering(launch(), timeout);
    }

    /**
     * Waits until {@code started} answers queries through the keeper's pool.
     *
     * @throws IOException when it exits or does not answer within {@code timeout}; the message has its last log lines
     */
    public void awaitAnswering(Postmaster started, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!started.isRunning()) {
                throw new IOException("postgres exited with code " + started.exitCode() + " at start; last lines of " + area.postgresLog() + ":\n" + logTail(10));
            }
            // Asked over JDBC before it accepts connections, the postmaster refuses, and HikariCP retries a refused
            // connection with a doubling pause (10, 20, 40... ms): under load the keeper learnt of a started
            // standby up to half a second after PostgreSQL was ready. The pid file says when it is, for a file read.
            boolean accepting = PostmasterStatus.read(area.pgdata()).filter(s -> s.acceptsConnections(started.pid())).isPresent();
            if (accepting && probe.observe().error() == null) {
                return;
            }
            pause(START_POLL_MS);
        }
        throw new IOException("postgres did not accept connections within " + timeout.toSeconds() + " s; last lines of " + area.postgresLog() + ":\n" + logTail(10));
    }

    /**
     * Starts the postmaster with the configuration already in the work area and returns at once, without
     * waiting for it to accept connections.
     */
    public Postmaster launch() throws IOException {
        probe.reset();
        Postmaster started = Postmaster.start(commands.postmaster(area.pgdata(), area.postgresqlConf()), area.postgresLog());
        postmaster = started;
        return started;
    }

    public boolean stopFast(Duration bound) {
        Postmaster p = postmaster;
        boolean stopped = p == null || p.stopFast(bound);
        probe.reset();
        return stopped;
    }

    public boolean stopImmediate(Duration bound) {
        Postmaster p = postmaster;
        boolean stopped = p == null || p.stopImmediate(bound);
        probe.reset();
        return stopped;
    }

    /**
     * Ends recovery and waits until PostgreSQL accepts writes. pg_promote's own wait checks only every 100 ms;
     * promotion itself takes a few milliseconds, so this asks without waiting and polls more often.
     *
     * @throws SQLException when PostgreSQL refuses, or is still in recovery after {@code timeout}
     */
    public void promote(Duration timeout) throws SQLException {
        try (Connection c = probe.connection(); Statement st = c.createStatement()) {
            st.execute("select pg_promote(false)");
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                try (var rs = st.executeQuery("select pg_is_in_recovery()")) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SQLException("still in recovery " + timeout.toSeconds() + " s after pg_promote; see " + area.postgresLog());
                }
                pause(PROMOTE_POLL_MS);
            }
        }
    }

    /**
     * A CHECKPOINT while the primary still serves, so that the shutdown checkpoint that follows has little
     * left to write: the clients' pause in a switchover is the shutdown, not the flushing of every dirty
     * buffer. Bounded, because a demoted primary's lease runs out; past the bound the shutdown does the rest.
     *
     * @return false when it did not finish within {@code bound} or failed (the caller stops anyway)
     */
    public boolean checkpointWithin(Duration bound) {
        try (Connection c = probe.connection(); Statement st = c.createStatement()) {
            st.execute("set statement_timeout = " + Math.max(1, bound.toMillis()));
            try {
                st.execute("CHECKPOINT");
                return true;
            } finally {
                st.execute("reset statement_timeout");   // the connection goes back to the pool
            }
        } catch (SQLException e) {
            return false;
        }
    }

    /** Applies a changed postgresql.conf without a restart (primary_conninfo, synchronous_standby_names). */
    public void reload() throws SQLException {
        try (Connection c = probe.connection(); Statement st = c.createStatement()) {
            st.execute("select pg_reload_conf()");
        }
    }

    /**
     * Creates the replication user after initdb. The password is hashed (SCRAM) on the keeper's side, so
     * neither the statement nor PostgreSQL's log ever holds it in clear.
     */
    public void createReplicationUser() throws SQLException {
        try (Connection c = probe.connection(); Statement st = c.createStatement()) {
            st.execute("do $$ begin if not exists (select from pg_roles where rolname = '" + ObjectNames.REPLICATION_USER + "') then "
                    + "create role " + ObjectNames.REPLICATION_USER + " with login replication; end if; end $$");
            c.unwrap(PGConnection.class).alterUserPassword(ObjectNames.REPLICATION_USER, passwords.replication().toCharArray(), "scram-sha-256");
        }
    }

    /** Creates a physical slot for each member that has none yet; returns the ones created. */
    public java.util.List<String> ensureSlots(Collection<String> slots) throws SQLException {
        java.util.List<String> created = new java.util.ArrayList<>();
        try (Connection c = probe.connection();
             PreparedStatement exists = c.prepareStatement("select 1 from pg_replication_slots where slot_name = ?");
             PreparedStatement create = c.prepareStatement("select pg_create_physical_replication_slot(?, true)")) {
            for (String slot : slots) {
                exists.setString(1, slot);
                boolean present;
                try (var rs = exists.executeQuery()) {
                    present = rs.next();
                }
                if (!present) {
                    create.setString(1, slot);
                    create.execute();
                    created.add(slot);
                }
            }
        }
        return created;
    }

    /**
     * The data directory's system identifier, read offline with pg_controldata; null when there is no data
     * directory. Read once: only initdb and a clone give the directory another one.
     */
    public String systemIdentifier() {
        String known = systemIdentifier;
        if (known == null) {
            known = controlField(SYSID);
            systemIdentifier = known;
        }
        return known;
    }

    /** After a clean shutdown, the shutdown checkpoint's position: the last WAL this member wrote. */
    public Lsn latestCheckpoint() {
        String text = controlField(CHECKPOINT);
        return text == null ? Lsn.ZERO : Lsn.parse(text);
    }

    public String clusterState() {
        return controlField(STATE);
    }

    private String controlField(Pattern field) {
        if (area.pgdataEmpty()) {
            return null;
        }
        CommandRunner.Result result = runner.capture(commands.controldata(area.pgdata()), Duration.ofSeconds(30));
        if (!result.ok()) {
            return null;
        }
        Matcher m = field.matcher(result.output());
        return m.find() ? m.group(1).trim() : null;
    }

    public String logTail(int lines) {
        try {
            var all = Files.readAllLines(area.postgresLog());
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

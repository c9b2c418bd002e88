package io.pgpilot.cluster;

import java.util.List;
import java.util.Map;

/**
 * What a keeper reports about itself each heartbeat, in an annotation on its own Lease. Observed facts
 * only: the sentinel decides from these, the CLI shows them.
 *
 * @param name              the keeper (its pod's name)
 * @param host              the address PostgreSQL is reachable at by the other members and the proxy
 * @param port              PostgreSQL's port
 * @param httpPort          the keeper's HTTP API port (health, lease confirmation)
 * @param role              what PostgreSQL really is right now
 * @param state             what the keeper is doing
 * @param healthy           PostgreSQL answers queries and is in the role the plan gives it
 * @param systemIdentifier  the data directory's system identifier, null before initdb or clone
 * @param timeline          the current timeline, 0 when unknown
 * @param writeLsn          primary: pg_current_wal_lsn(); standby: last received
 * @param flushLsn          primary: pg_current_wal_flush_lsn(); standby: last received and flushed
 * @param replayLsn         standby: last replayed; primary: same as flush
 * @param lagBytes          standby: bytes behind the primary's last published position; 0 on the primary
 * @param lagSeconds        standby: age of the last replayed heartbeat from the primary; 0 on the primary
 * @param priority          higher is preferred as a failover candidate among equals
 * @param noFailover        never promote this keeper
 * @param generationApplied the generation of {@code C-state} the keeper last converged to
 * @param epoch             on a primary, the epoch of the lease it holds; 0 otherwise
 * @param pid               the postmaster's process id, 0 when not running
 * @param upstream          standby: the member it streams from
 * @param finalLsn          after a clean shutdown, the last WAL position written; zero otherwise
 * @param message           the keeper's last error or noteworthy fact, null when none
 * @param synchronousStandbys primary: the standbys PostgreSQL currently counts as synchronous
 * @param timelineHistory   primary: where each earlier timeline of its data ended (its timeline history file,
 *                          by timeline), so a member coming back can tell whether its WAL diverged without
 *                          connecting; empty when not read yet, and on timeline 1
 * @param streamingStandbys primary: the members whose WAL receivers stream from it, as its pg_stat_replication
 *                          shows them, with the position each has replayed. A restarted standby streams
 *                          well before its own keeper has started and published; this is how the status
 *                          report sees it sooner.
 * @param epochSeen         the highest C-state epoch this member has ever read, kept on its volume: a C-state
 *                          below it is stale (restored from an older snapshot, or written by hand), and a
 *                          rebuilt one continues above it
 * @param generationSeen    the same for C-state's generation
 * @param failsafeMembers   a writable primary: the members of C-state as it last read them, itself included; the
 *                          members it asks to confirm it when it cannot reach the API server (failsafe), so a
 *                          sentinel promotes none but these while this primary may be in failsafe. Empty on
 *                          every other member.
 */
public record KeeperStatus(
        String name,
        String host,
        int port,
        int httpPort,
        PostgresRole role,
        MemberState state,
        boolean healthy,
        String systemIdentifier,
        int timeline,
        Lsn writeLsn,
        Lsn flushLsn,
        Lsn replayLsn,
        long lagBytes,
        double lagSeconds,
        int priority,
        boolean noFailover,
        long generationApplied,
        long epoch,
        long pid,
        String upstream,
        Lsn finalLsn,
        String message,
        List<String> synchronousStandbys,
        Map<Integer, Lsn> timelineHistory,
        Map<String, Lsn> streamingStandbys,
        long epochSeen,
        long generationSeen,
        List<String> failsafeMembers) {

    public KeeperStatus {
        writeLsn = writeLsn == null ? Lsn.ZERO : writeLsn;
        flushLsn = flushLsn == null ? Lsn.ZERO : flushLsn;
        replayLsn = replayLsn == null ? Lsn.ZERO : replayLsn;
        finalLsn = finalLsn == null ? Lsn.ZERO : finalLsn;
        role = role == null ? PostgresRole.NONE : role;
        state = state == null ? MemberState.INITIALIZING : state;
        synchronousStandbys = synchronousStandbys == null ? List.of() : List.copyOf(synchronousStandbys);
        timelineHistory = timelineHistory == null ? Map.of() : Map.copyOf(timelineHistory);
        streamingStandbys = streamingStandbys == null ? Map.of() : Map.copyOf(streamingStandbys);
        failsafeMembers = failsafeMembers == null ? List.of() : List.copyOf(failsafeMembers);
    }

    /** A keeper that has just started and knows nothing yet about its PostgreSQL. */
    public static KeeperStatus starting(String name, String host, int port, int httpPort) {
        return new KeeperStatus(name, host, port, httpPort, PostgresRole.NONE, MemberState.INITIALIZING, false, null, 0,
                Lsn.ZERO, Lsn.ZERO, Lsn.ZERO, 0, 0, 0, false, 0, 0, 0, null, Lsn.ZERO, null, List.of(), Map.of(), Map.of(), 0, 0, List.of());
    }

    public static KeeperStatus fromJson(String json) {
        return ClusterJson.readWritten(json, KeeperStatus.class);
    }

    public String toJson() {
        return ClusterJson.write(this);
    }

    /**
     * The part of this status that decisions depend on: what the member is, not how far its positions have
     * moved. Two statuses with the same condition call for the same decisions.
     */
    public String condition() {
        return role + "/" + state + "/" + healthy + "/" + timeline + "/" + finalLsn + "/" + upstream + "/" + epoch + "/" + synchronousStandbys + "/" + failsafeMembers;
    }

    /**
     * This member's own word that its PostgreSQL does not accept writes: not a primary, and stopped, failed or
     * fenced. A sentinel may take the primary Lease from a holder that says so without waiting for its expiry;
     * the holder, to write again, first publishes a status that no longer says so and renews the Lease after it.
     */
    public boolean saysNotWriting() {
        return role != PostgresRole.PRIMARY && (state == MemberState.STOPPED || state == MemberState.FAILED || state == MemberState.FENCED);
    }

    /** Where this keeper's HTTP API answers, e.g. {@code http://10.0.0.7:8008}, with an IPv6 host in brackets. */
    public String httpAddress() {
        return "http://" + (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + httpPort;
    }

    /** The furthest WAL position this member is known to have received, for choosing a failover candidate. */
    public Lsn receivedLsn() {
        return Lsn.max(Lsn.max(writeLsn, flushLsn), replayLsn);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds the next status from the last one; keepers change a few fields per heartbeat. */
    public static final class Builder {
        private String name;
        private String host;
        private int port;
        private int httpPort;
        private PostgresRole role;
        private MemberState state;
        private boolean healthy;
        private String systemIdentifier;
        private int timeline;
        private Lsn writeLsn;
        private Lsn flushLsn;
        private Lsn replayLsn;
        private long lagBytes;
        private double lagSeconds;
        private int priority;
        private boolean noFailover;
        private long generationApplied;
        private long epoch;
        private long pid;
        private String upstream;
        private Lsn finalLsn;
        private String message;
        private List<String> synchronousStandbys;
        private Map<Integer, Lsn> timelineHistory;
        private Map<String, Lsn> streamingStandbys;
        private long epochSeen;
        private long generationSeen;
        private List<String> failsafeMembers;

        private Builder(KeeperStatus from) {
            name = from.name;
            host = from.host;
            port = from.port;
            httpPort = from.httpPort;
            role = from.role;
            state = from.state;
            healthy = from.healthy;
            systemIdentifier = from.systemIdentifier;
            timeline = from.timeline;
            writeLsn = from.writeLsn;
            flushLsn = from.flushLsn;
            replayLsn = from.replayLsn;
            lagBytes = from.lagBytes;
            lagSeconds = from.lagSeconds;
            priority = from.priority;
            noFailover = from.noFailover;
            generationApplied = from.generationApplied;
            epoch = from.epoch;
            pid = from.pid;
            upstream = from.upstream;
            finalLsn = from.finalLsn;
            message = from.message;
            synchronousStandbys = from.synchronousStandbys;
            timelineHistory = from.timelineHistory;
            streamingStandbys = from.streamingStandbys;
            epochSeen = from.epochSeen;
            generationSeen = from.generationSeen;
            failsafeMembers = from.failsafeMembers;
        }

        public Builder failsafeMembers(List<String> value) {
            failsafeMembers = value;
            return this;
        }

        public Builder epochSeen(long value) {
            epochSeen = value;
            return this;
        }

        public Builder generationSeen(long value) {
            generationSeen = value;
            return this;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder httpPort(int value) {
            httpPort = value;
            return this;
        }

        public Builder role(PostgresRole value) {
            role = value;
            return this;
        }

        public Builder state(MemberState value) {
            state = value;
            return this;
        }

        public Builder healthy(boolean value) {
            healthy = value;
            return this;
        }

        public Builder systemIdentifier(String value) {
            systemIdentifier = value;
            return this;
        }

        public Builder timeline(int value) {
            timeline = value;
            return this;
        }

        public Builder writeLsn(Lsn value) {
            writeLsn = value;
            return this;
        }

        public Builder flushLsn(Lsn value) {
            flushLsn = value;
            return this;
        }

        public Builder replayLsn(Lsn value) {
            replayLsn = value;
            return this;
        }

        public Builder lagBytes(long value) {
            lagBytes = value;
            return this;
        }

        public Builder lagSeconds(double value) {
            lagSeconds = value;
            return this;
        }

        public Builder priority(int value) {
            priority = value;
            return this;
        }

        public Builder noFailover(boolean value) {
            noFailover = value;
            return this;
        }

        public Builder generationApplied(long value) {
            generationApplied = value;
            return this;
        }

        public Builder epoch(long value) {
            epoch = value;
            return this;
        }

        public Builder pid(long value) {
            pid = value;
            return this;
        }

        public Builder upstream(String value) {
            upstream = value;
            return this;
        }

        public Builder finalLsn(Lsn value) {
            finalLsn = value;
            return this;
        }

        public Builder message(String value) {
            message = value;
            return this;
        }

        public Builder timelineHistory(Map<Integer, Lsn> value) {
            timelineHistory = value;
            return this;
        }

        public Builder streamingStandbys(Map<String, Lsn> value) {
            streamingStandbys = value;
            return this;
        }

        public Builder synchronousStandbys(List<String> value) {
            synchronousStandbys = value;
            return this;
        }

        public KeeperStatus build() {
            return new KeeperStatus(name, host, port, httpPort, role, state, healthy, systemIdentifier, timeline, writeLsn, flushLsn, replayLsn, lagBytes, lagSeconds, priority, noFailover, generationApplied, epoch, pid, upstream, finalLsn, message, synchronousStandbys, timelineHistory, streamingStandbys, epochSeen, generationSeen, failsafeMembers);
        }
    }
}

package io.pgpilot.keeper.model;

import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.PostgresRole;
import java.util.List;

/**
 * What PostgreSQL said about itself in one probe.
 *
 * @param role                 PRIMARY (out of recovery), STANDBY (in recovery), NONE (not reachable)
 * @param walReceiverStatus    standby: pg_stat_wal_receiver.status ("streaming" …), null when no receiver
 * @param senderHost           standby: the host the WAL receiver is connected to
 * @param replicas             primary: pg_stat_replication rows
 * @param heartbeatAgeSeconds  standby: age of the replayed primary heartbeat; -1 when not available
 */
public record Observation(
        PostgresRole role,
        String systemIdentifier,
        int timeline,
        Lsn writeLsn,
        Lsn flushLsn,
        Lsn replayLsn,
        String walReceiverStatus,
        String senderHost,
        int senderPort,
        List<Replica> replicas,
        double heartbeatAgeSeconds,
        String error) {

    /** One pg_stat_replication row. */
    public record Replica(String applicationName, String state, String syncState, Lsn replayLsn) {
    }

    public static Observation unreachable(String error) {
        return new Observation(PostgresRole.NONE, null, 0, Lsn.ZERO, Lsn.ZERO, Lsn.ZERO, null, null, 0, List.of(), -1, error);
    }

    public boolean streaming() {
        return "streaming".equals(walReceiverStatus);
    }
}

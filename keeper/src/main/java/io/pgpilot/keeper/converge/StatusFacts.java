package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.model.TimelineHistory;
import java.util.Map;

/**
 * Everything this member's published status is derived from, gathered at one moment by the keeper.
 *
 * @param me                this keeper
 * @param observation       what PostgreSQL said in the latest probe ({@link Observation#unreachable} when it
 *                          was not probed: stopped, busy, fenced)
 * @param state             C-state as last read
 * @param keepers           every keeper's last published status, by name
 * @param lease             the primary Lease as last read; null when it does not exist
 * @param running           the postmaster is alive
 * @param pid               the postmaster's process id, 0 when it is not running
 * @param writable          this keeper let PostgreSQL accept writes and has not stopped it since
 * @param fenced            the watchdog stopped PostgreSQL when the renew deadline passed
 * @param busyState         what a long action is doing (cloning, rewinding, failed); null otherwise
 * @param message           the keeper's last error or noteworthy fact; null when none
 * @param offlineSystemIdentifier the data directory's system identifier as read with PostgreSQL stopped
 * @param ownHistory        as primary: its own timeline history; null when not read
 * @param generationApplied the C-state generation just converged to; null when this pass did not converge
 */
public record StatusFacts(
        String me,
        Observation observation,
        ClusterState state,
        Map<String, KeeperStatus> keepers,
        PrimaryLease lease,
        boolean running,
        long pid,
        boolean writable,
        boolean fenced,
        MemberState busyState,
        String message,
        String offlineSystemIdentifier,
        TimelineHistory ownHistory,
        Long generationApplied) {
}

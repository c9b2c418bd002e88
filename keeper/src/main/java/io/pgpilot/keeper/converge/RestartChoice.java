package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * What a primary whose keeper restarted (a crashed container that came straight back) does with the Lease it
 * still holds: hand over to a standby, or restart PostgreSQL in place. Decided once, before the first renewal
 * of the new process, so that the keeper and the sentinel never race for it: a renewal would make the primary
 * look alive to the sentinel, and a failover decided meanwhile would stop it again.
 *
 * <p>Hand over when a standby may be promoted without losing more than the cluster already accepts on a
 * failover: in synchronous mode a member of C-state's synchronous set (it has every acknowledged commit); in
 * asynchronous mode a standby whose last published position is within {@code maxLagOnFailoverBytes} of this
 * member's, the same rule the sentinel promotes by. A promotion is then faster than a crash recovery in
 * place, and the restarted member rejoins as a standby. Restart in place when no standby qualifies, or no
 * sentinel leads (nobody would promote one). Pure, so that every case is tested by a table.
 *
 * @param handOver  true: do not renew; a sentinel promotes {@code candidate}
 * @param candidate the standby expected to take over; null when restarting in place
 * @param reason    why, in words, for the log
 */
public record RestartChoice(boolean handOver, String candidate, String reason) {

    /**
     * @param me            this member, restarted while C-state names it primary and the Lease is still its own
     * @param position      the furthest position this member's WAL is known to reach (published before the
     *                      restart, or read offline since)
     * @param sentinelLeads a sentinel holds the election Lease
     */
    public static RestartChoice of(String me, ClusterSpec spec, ClusterState state, Map<String, KeeperStatus> keepers, Lsn position,
                                   boolean sentinelLeads) {
        if (!sentinelLeads) {
            return new RestartChoice(false, null, "no sentinel leads to promote a standby");
        }
        Comparator<KeeperStatus> mostWal = Comparator.comparing(KeeperStatus::receivedLsn).thenComparing(KeeperStatus::name, Comparator.reverseOrder());
        if (spec.synchronousMode()) {
            Optional<KeeperStatus> best = state.synchronousStandbys().stream().map(keepers::get)
                    .filter(s -> s != null && isStandbyOf(me, state, s)).max(mostWal);
            return best.map(s -> new RestartChoice(true, s.name(), "synchronous standby " + s.name() + " has every acknowledged commit"))
                    .orElseGet(() -> new RestartChoice(false, null, "no member of the synchronous set " + state.synchronousStandbys()
                            + " is a running standby"));
        }
        Optional<KeeperStatus> best = keepers.values().stream().filter(s -> isStandbyOf(me, state, s)).max(mostWal);
        if (best.isEmpty()) {
            return new RestartChoice(false, null, "no running standby to promote");
        }
        KeeperStatus s = best.get();
        long behind = position.bytesAfter(s.receivedLsn());
        if (behind > spec.maxLagOnFailoverBytes()) {
            return new RestartChoice(false, null, "the best standby " + s.name() + " is " + behind + " bytes behind " + position
                    + ", more than maxLagOnFailoverBytes (" + spec.maxLagOnFailoverBytes() + ")");
        }
        return new RestartChoice(true, s.name(), "standby " + s.name() + " had received up to " + s.receivedLsn() + ", " + behind
                + " bytes behind this member's " + position + " (maxLagOnFailoverBytes " + spec.maxLagOnFailoverBytes() + ")");
    }

    /** A standby C-state plans under this member, last seen running as one, and not excluded from failover. */
    private static boolean isStandbyOf(String me, ClusterState state, KeeperStatus s) {
        MemberPlan plan = state.planFor(s.name());
        return plan != null && plan.role() == Role.STANDBY && me.equals(plan.upstream()) && !s.noFailover()
                && s.role() == PostgresRole.STANDBY && (s.state() == MemberState.STREAMING || s.state() == MemberState.RUNNING);
    }
}

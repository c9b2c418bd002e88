package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The synchronous standbys ({@code ANY quorum (members)}) the primary should use, and how to get there
 * from the current set without a moment where an acknowledged commit could be on no promotable member:
 * new members are added first; old ones are removed only after the primary applied the larger set and the
 * remaining members have received everything the primary had flushed.
 *
 * @param members the standbys named in synchronous_standby_names, sorted
 * @param quorum  k in ANY k; 0 means asynchronous
 */
public record SynchronousSet(List<String> members, int quorum) {

    public static final SynchronousSet ASYNCHRONOUS = new SynchronousSet(List.of(), 0);

    public SynchronousSet {
        members = List.copyOf(new TreeSet<>(members));
    }

    /**
     * The next set.
     *
     * @param spec      synchronousMode, minSynchronousStandbys, strictSynchronous
     * @param current   the set C-state names now
     * @param healthy   standbys that are healthy and stream from the primary, best first
     * @param planned   every planned standby (for strict mode, which names members even while they are down)
     * @param primary   the primary's last status, if readable (the set it applied, its flush position)
     * @param received  each standby's received WAL position
     * @param findings  receives SYNCHRONOUS_* findings
     */
    static SynchronousSet next(ClusterSpec spec, SynchronousSet current, List<String> healthy, Collection<String> planned,
                               Optional<KeeperStatus> primary, Map<String, Lsn> received, List<Finding> findings) {
        if (!spec.synchronousMode()) {
            if (!current.equals(ASYNCHRONOUS)) {
                findings.add(new Finding(Reason.SYNCHRONOUS_SET_CHANGED, current.describe() + " -> asynchronous (synchronousMode is off)"));
            }
            return ASYNCHRONOUS;
        }
        int k = spec.minSynchronousStandbys();
        TreeSet<String> desired = new TreeSet<>(healthy);
        int quorum = k;
        if (desired.size() < k) {
            if (spec.strictSynchronous()) {
                // Keep naming members that are down: commits wait for them rather than go unprotected.
                current.members().stream().filter(planned::contains).forEach(desired::add);
                for (String standby : planned) {
                    if (desired.size() >= k) {
                        break;
                    }
                    desired.add(standby);
                }
                findings.add(new Finding(Reason.SYNCHRONOUS_BLOCKING, healthy.size() + " healthy standbys for minSynchronousStandbys "
                        + k + ": commits wait for ANY " + k + " of " + desired));
            } else {
                quorum = desired.size();
                findings.add(new Finding(Reason.SYNCHRONOUS_FALLBACK, healthy.size() + " healthy standbys for minSynchronousStandbys "
                        + k + ": quorum lowered to " + quorum));
            }
        }
        if (desired.isEmpty()) {
            quorum = 0;
        }
        TreeSet<String> now = new TreeSet<>(current.members());
        now.retainAll(planned);
        List<String> added = desired.stream().filter(m -> !now.contains(m)).toList();
        List<String> removed = now.stream().filter(m -> !desired.contains(m)).toList();
        SynchronousSet result;
        if (!added.isEmpty()) {
            // Grow first; the members to remove stay until the primary has applied the larger set.
            TreeSet<String> grown = new TreeSet<>(now);
            grown.addAll(added);
            result = new SynchronousSet(new ArrayList<>(grown), Math.min(quorum == 0 ? k : quorum, grown.size()));
        } else if (!removed.isEmpty() && canShrink(now, desired, primary, received)) {
            result = new SynchronousSet(new ArrayList<>(desired), quorum);
        } else {
            result = new SynchronousSet(new ArrayList<>(now), now.isEmpty() ? 0 : Math.min(Math.max(quorum, 1), now.size()));
        }
        if (!result.equals(current)) {
            findings.add(new Finding(Reason.SYNCHRONOUS_SET_CHANGED, current.describe() + " -> " + result.describe()));
        }
        return result;
    }

    private static boolean canShrink(TreeSet<String> now, TreeSet<String> desired, Optional<KeeperStatus> primary, Map<String, Lsn> received) {
        if (primary.isEmpty() || !new TreeSet<>(primary.get().synchronousStandbys()).equals(now)) {
            return false;
        }
        Lsn flushed = primary.get().flushLsn();
        return desired.stream().allMatch(m -> received.getOrDefault(m, Lsn.ZERO).compareTo(flushed) >= 0);
    }

    public String describe() {
        return quorum == 0 ? "asynchronous" : "ANY " + quorum + " " + members;
    }
}

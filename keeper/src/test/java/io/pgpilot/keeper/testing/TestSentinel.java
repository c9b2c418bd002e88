package io.pgpilot.keeper.testing;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.FailoverRecord;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the sentinel's part in keeper tests: writes C-spec, the bootstrap decision and promotions through
 * the same ClusterStore calls, in the order COMMON's contract gives (C-state, then the primary Lease).
 */
public final class TestSentinel {

    private final ClusterStore store;

    public TestSentinel(ClusterStore store) {
        this.store = store;
    }

    /** Short timings so fencing and expiry happen within a test. */
    public static ClusterSpec fastSpec() {
        return new ClusterSpec(3, false, 1, false, 1024 * 1024, 16 * 1024 * 1024, 200, 1_000, 2_000, 300_000, false,
                Map.of("shared_buffers", "16MB", "max_connections", "30"), List.of(), true);
    }

    public void writeSpec(ClusterSpec spec) {
        store.createSpec(spec).orElseThrow();
    }

    /** C-state with {@code primary} at epoch 1 and a bootstrap record, then the primary Lease for it. */
    public void bootstrap(String primary, List<String> members) {
        Map<String, MemberPlan> plans = new LinkedHashMap<>();
        for (String m : members) {
            plans.put(m, m.equals(primary) ? MemberPlan.primary() : MemberPlan.standbyOf(primary));
        }
        ClusterState state = ClusterState.INITIAL.next(Phase.NORMAL, "bootstrap of " + primary, primary, 1, plans, List.of(), 0)
                .withHistory(new FailoverRecord(1, null, primary, "bootstrap: first keeper", Instant.now().toString()));
        store.createState(state).orElseThrow();
        store.createPrimaryLease(primary).orElseThrow();
    }

    /** Moves the lease to {@code newPrimary} (epoch + 1) and writes the matching C-state, as a failover does. */
    public long promote(String newPrimary, String reason) {
        Read.Found<PrimaryLease> lease = (Read.Found<PrimaryLease>) store.readPrimaryLease();
        PrimaryLease moved = store.transferPrimaryLease(lease.value(), newPrimary).orElseThrow();
        Read.Found<ClusterState> found = (Read.Found<ClusterState>) store.readState();
        ClusterState current = found.value();
        Map<String, MemberPlan> plans = new LinkedHashMap<>();
        for (String m : current.members().keySet()) {
            plans.put(m, m.equals(newPrimary) ? MemberPlan.primary() : MemberPlan.standbyOf(newPrimary));
        }
        ClusterState next = current.next(Phase.NORMAL, reason, newPrimary, moved.epoch(), plans, List.of(), 0)
                .withHistory(new FailoverRecord(moved.epoch(), current.primary(), newPrimary, reason, Instant.now().toString()));
        store.updateState(next, found.resourceVersion()).orElseThrow();
        return moved.epoch();
    }
}

package io.pgpilot.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    // interval 1000, deadline 5000, duration 8000: lease trusted 2000 ms, confirmation 1000 ms
    static final ClusterSpec SPEC = ClusterSpec.DEFAULT;
    static final Router ROUTER = new Router(false);
    static final Router FALLBACK = new Router(true);

    static KeeperStatus primary(String name, int port) {
        return KeeperStatus.starting(name, "127.0.0.1", port, 8000 + port % 1000).toBuilder()
                .role(PostgresRole.PRIMARY).state(MemberState.RUNNING).healthy(true).build();
    }

    static KeeperStatus standby(String name, int port, long lag) {
        return KeeperStatus.starting(name, "127.0.0.1", port, 8000 + port % 1000).toBuilder()
                .role(PostgresRole.STANDBY).state(MemberState.STREAMING).healthy(true).lagBytes(lag).upstream("k1").build();
    }

    static Map<String, KeeperView> keepers(KeeperStatus... statuses) {
        Map<String, KeeperView> map = new HashMap<>();
        for (KeeperStatus s : statuses) {
            map.put(s.name(), new KeeperView(s, 100));
        }
        return map;
    }

    static final Backend K1 = new Backend("k1", "127.0.0.1", 5001);
    static final Backend K2 = new Backend("k2", "127.0.0.1", 5002);
    static final Backend K3 = new Backend("k3", "127.0.0.1", 5003);

    static ClusterView view(LeaseView lease, Confirmation c, KeeperStatus... statuses) {
        return new ClusterView(SPEC, lease, keepers(statuses), c);
    }

    // ---- trust windows -------------------------------------------------------------------------------

    @Test
    void trustWindowsComeFromTheSpec() {
        assertThat(Router.leaseTrustMs(SPEC)).isEqualTo(2000);
        assertThat(Router.confirmationTrustMs(SPEC)).isEqualTo(1000);
        ClusterSpec tight = new ClusterSpec(3, false, 1, false, 0, 0, 1000, 1500, 1700, 300_000, false, Map.of(), List.of(), true);
        // Never past the renew deadline, and a confirmation never outlives leaseDuration - renewDeadline.
        assertThat(Router.leaseTrustMs(tight)).isEqualTo(1500);
        assertThat(Router.confirmationTrustMs(tight)).isEqualTo(200);
    }

    // ---- rw ------------------------------------------------------------------------------------------

    @Test
    void noLeaseNoPrimary() {
        RoutingTable t = ROUTER.decide(view(null, null, primary("k1", 5001)));
        assertThat(t.primary()).isNull();
        assertThat(t.rwReason()).contains("no primary lease");
    }

    @Test
    void releasedLeaseNoPrimary() {
        RoutingTable t = ROUTER.decide(view(new LeaseView(null, 3, 10), null, primary("k1", 5001)));
        assertThat(t.primary()).isNull();
        assertThat(t.rwReason()).contains("released");
    }

    @Test
    void holderWithoutAddressNoPrimary() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k9", 3, 10), null, primary("k1", 5001)));
        assertThat(t.primary()).isNull();
        assertThat(t.rwReason()).contains("k9").contains("no address");
    }

    @Test
    void freshLeaseRoutesToHolder() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k1", 3, 1999), null, primary("k1", 5001), standby("k2", 5002, 0)));
        assertThat(t.primary()).isEqualTo(new Primary(K1, 3, t.primary().basis()));
        assertThat(t.primary().basis()).contains("lease seen renewed");
    }

    @Test
    void staleLeaseWithoutConfirmationNoPrimary() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k1", 3, 2000), null, primary("k1", 5001)));
        assertThat(t.primary()).isNull();
        assertThat(t.rwReason()).contains("has not confirmed");
    }

    @Test
    void neverObservedLeaseWithoutConfirmationNoPrimary() {
        assertThat(ROUTER.decide(view(new LeaseView("k1", 3, -1), null, primary("k1", 5001))).primary()).isNull();
    }

    @Test
    void staleLeaseButRecentConfirmationRoutesToHolder() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k1", 3, 60_000), new Confirmation("k1", 3, 999), primary("k1", 5001)));
        assertThat(t.primary().backend()).isEqualTo(K1);
        assertThat(t.primary().basis()).contains("confirmed");
    }

    @Test
    void confirmationTooOldNoPrimary() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k1", 3, 60_000), new Confirmation("k1", 3, 1000), primary("k1", 5001)));
        assertThat(t.primary()).isNull();
        assertThat(t.rwReason()).contains("last confirmed it 1000 ms ago");
    }

    @Test
    void confirmationOfAnotherEpochOrKeeperDoesNotCount() {
        assertThat(ROUTER.decide(view(new LeaseView("k1", 3, 60_000), new Confirmation("k1", 2, 10), primary("k1", 5001))).primary()).isNull();
        assertThat(ROUTER.decide(view(new LeaseView("k1", 3, 60_000), new Confirmation("k2", 3, 10), primary("k1", 5001),
                primary("k2", 5002))).primary()).isNull();
    }

    @Test
    void holderNotYetPrimaryWaitsUnlessItConfirms() {
        KeeperStatus promoting = standby("k2", 5002, 0);
        RoutingTable waiting = ROUTER.decide(view(new LeaseView("k2", 4, 10), null, promoting));
        assertThat(waiting.primary()).isNull();
        assertThat(waiting.rwReason()).contains("not yet PRIMARY");
        RoutingTable confirmed = ROUTER.decide(view(new LeaseView("k2", 4, 10), new Confirmation("k2", 4, 10), promoting));
        assertThat(confirmed.primary().backend()).isEqualTo(K2);
    }

    @Test
    void rwConnectionsStayOnlyUnderTheSameGrant() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k1", 3, 10), null, primary("k1", 5001)));
        assertThat(t.allows(new Route(Listener.RW, K1, 3))).isTrue();
        assertThat(t.allows(new Route(Listener.RW, K1, 2))).as("older epoch").isFalse();
        assertThat(t.allows(new Route(Listener.RW, K2, 3))).as("other keeper").isFalse();
        assertThat(t.allows(new Route(Listener.RW, new Backend("k1", "127.0.0.1", 6001), 3))).as("keeper moved").isFalse();
        RoutingTable none = ROUTER.decide(view(new LeaseView("k1", 3, 5000), null, primary("k1", 5001)));
        assertThat(none.allows(new Route(Listener.RW, K1, 3))).as("lease no longer valid").isFalse();
    }

    @Test
    void holderChangeClosesEveryConnectionToTheOldOne() {
        RoutingTable before = ROUTER.decide(view(new LeaseView("k1", 3, 10), null, primary("k1", 5001), standby("k2", 5002, 0)));
        RoutingTable after = ROUTER.decide(view(new LeaseView("k2", 4, 0), null, primary("k1", 5001), primary("k2", 5002)));
        Route old = Route.rw(before.primary());
        assertThat(after.allows(old)).isFalse();
        assertThat(after.allows(Route.rw(after.primary()))).isTrue();
        // The old primary still says PRIMARY: it is neither rw nor kept for ro.
        assertThat(after.allows(Route.ro(K1))).isFalse();
    }

    // ---- ro ------------------------------------------------------------------------------------------

    @Test
    void readersAreHealthyStreamingStandbysWithinTheLagLimit() {
        KeeperStatus lagging = standby("k3", 5003, SPEC.maxLagForReadsBytes() + 1);
        RoutingTable t = ROUTER.decide(view(new LeaseView("k1", 3, 10), null, primary("k1", 5001), standby("k2", 5002, 10), lagging));
        assertThat(t.readers()).containsExactly(K2);
        assertThat(t.roReason()).contains("k3 lags");
        // A running read is not cut for lag.
        assertThat(t.allows(Route.ro(K3))).isTrue();
        assertThat(t.allows(Route.ro(K1))).as("the primary is no reader without fallback").isFalse();
    }

    @Test
    void lagExactlyAtTheLimitIsReadable() {
        RoutingTable t = ROUTER.decide(view(null, null, standby("k2", 5002, SPEC.maxLagForReadsBytes())));
        assertThat(t.readers()).containsExactly(K2);
    }

    @Test
    void unhealthyNotStreamingOrSilentStandbysGetNoNewReads() {
        KeeperStatus unhealthy = standby("k2", 5002, 0).toBuilder().healthy(false).build();
        KeeperStatus rewinding = standby("k3", 5003, 0).toBuilder().state(MemberState.REWINDING).build();
        KeeperStatus silent = standby("k4", 5004, 0);
        Map<String, KeeperView> keepers = keepers(unhealthy, rewinding);
        keepers.put("k4", new KeeperView(silent, SPEC.leaseDurationMs() + 1));
        RoutingTable t = ROUTER.decide(new ClusterView(SPEC, null, keepers, null));
        assertThat(t.readers()).isEmpty();
        assertThat(t.roReason()).contains("k2 is unhealthy").contains("k3 is rewinding").contains("k4 has not reported");
        assertThat(t.roKeep()).containsExactlyInAnyOrder(K2, K3, new Backend("k4", "127.0.0.1", 5004));
    }

    @Test
    void theHolderIsNeverAReaderEvenIfItStillReportsStandby() {
        RoutingTable t = ROUTER.decide(view(new LeaseView("k2", 4, 10), null, standby("k2", 5002, 0), standby("k3", 5003, 0)));
        assertThat(t.readers()).containsExactly(K3);
        assertThat(t.allows(Route.ro(K2))).isFalse();
    }

    @Test
    void fallbackToThePrimaryOnlyWhenAskedAndOnlyToAValidOne() {
        ClusterView noStandby = view(new LeaseView("k1", 3, 10), null, primary("k1", 5001), standby("k2", 5002, 1L << 40));
        assertThat(ROUTER.decide(noStandby).readers()).isEmpty();
        RoutingTable fallback = FALLBACK.decide(noStandby);
        assertThat(fallback.readers()).containsExactly(K1);
        assertThat(fallback.roReason()).contains("falling back to the primary k1");
        assertThat(fallback.allows(Route.ro(K1))).isTrue();

        RoutingTable stale = FALLBACK.decide(view(new LeaseView("k1", 3, 5000), null, primary("k1", 5001)));
        assertThat(stale.readers()).isEmpty();
        assertThat(stale.allows(Route.ro(K1))).as("ro connections on a primary that lost validity are closed too").isFalse();
        assertThat(stale.roReason()).contains("no valid primary to fall back to");
    }

    @Test
    void noFallbackWhileAStandbyIsHealthy() {
        RoutingTable t = FALLBACK.decide(view(new LeaseView("k1", 3, 10), null, primary("k1", 5001), standby("k2", 5002, 0)));
        assertThat(t.readers()).containsExactly(K2);
    }

    @Test
    void leastConnectionsPicksTheLeastBusyReaderAndBreaksTiesByOrder() {
        assertThat(LeastConnections.choose(List.of(K2, K3), Map.of(K2, 2, K3, 1))).isEqualTo(K3);
        assertThat(LeastConnections.choose(List.of(K2, K3), Map.of(K2, 1, K3, 1))).isEqualTo(K2);
        assertThat(LeastConnections.choose(List.of(K2, K3), Map.of())).isEqualTo(K2);
        assertThat(LeastConnections.choose(List.of(), Map.of())).isNull();
    }

    // ---- the invariant over many views ---------------------------------------------------------------

    /**
     * Invariant 7 over every combination of boundary values (about 90 000 views): rw is the holder's
     * address, and only when the lease was seen renewed within its trust window or the holder confirmed
     * this epoch within the confirmation window; and no ro connection stays on a server reporting PRIMARY
     * unless it is that valid rw backend.
     */
    @Test
    void rwIsOnlyEverAValidHolderOverEveryCombination() {
        int cases = 0;
        for (int holderIndex = -1; holderIndex <= 5; holderIndex++) {
            for (int epoch : new int[] {2, 3}) {
                for (int leaseAge : new int[] {-1, 0, 1999, 2000, 10_000}) {
                    for (int confirmedIndex = -1; confirmedIndex <= 3; confirmedIndex++) {
                        for (int confirmedEpoch : new int[] {2, 3}) {
                            for (int confirmationAge : new int[] {0, 999, 1000, 3000}) {
                                for (int roleBits = 0; roleBits < 16; roleBits++) {
                                    for (boolean fallback : new boolean[] {false, true}) {
                                        checkInvariant(holderIndex, epoch, leaseAge, confirmedIndex, confirmedEpoch, confirmationAge, roleBits, fallback);
                                        cases++;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(cases).isEqualTo(7 * 2 * 5 * 5 * 2 * 4 * 16 * 2);
    }

    private static void checkInvariant(int holderIndex, int epoch, int leaseAge, int confirmedIndex, int confirmedEpoch,
                                       int confirmationAge, int roleBits, boolean fallback) {
        List<String> names = List.of("k0", "k1", "k2", "k3");
        KeeperStatus[] statuses = new KeeperStatus[4];
        for (int i = 0; i < 4; i++) {
            statuses[i] = (roleBits & (1 << i)) != 0 ? primary(names.get(i), 5000 + i) : standby(names.get(i), 5000 + i, i * 1000L);
        }
        String holder = holderIndex < 0 ? null : "k" + holderIndex;   // k4..k6 have no status
        LeaseView lease = new LeaseView(holder, epoch, leaseAge);
        Confirmation c = confirmedIndex < 0 ? null : new Confirmation("k" + confirmedIndex, confirmedEpoch, confirmationAge);
        RoutingTable t = new Router(fallback).decide(view(lease, c, statuses));

        boolean fresh = leaseAge >= 0 && leaseAge < Router.leaseTrustMs(SPEC);
        boolean confirmed = c != null && c.keeper().equals(holder) && confirmedEpoch == epoch && confirmationAge < Router.confirmationTrustMs(SPEC);
        if (t.primary() != null) {
            assertThat(t.primary().backend().keeper()).isEqualTo(holder);
            assertThat(t.primary().epoch()).isEqualTo(epoch);
            assertThat(fresh || confirmed).isTrue();
            int i = Integer.parseInt(holder.substring(1));
            assertThat(t.primary().backend().port()).isEqualTo(5000 + i);
        } else if (holder != null && holderIndex < 4 && (fresh && (roleBits & (1 << holderIndex)) != 0 || confirmed)) {
            throw new AssertionError("a valid holder was not routed to: " + t.rwReason());
        }
        // No ro connection may sit on a server that reports PRIMARY unless it is the valid rw backend.
        for (int i = 0; i < 4; i++) {
            Backend b = new Backend(names.get(i), "127.0.0.1", 5000 + i);
            if (statuses[i].role() == PostgresRole.PRIMARY && t.allows(Route.ro(b))) {
                assertThat(t.primary()).isNotNull();
                assertThat(t.primary().backend()).isEqualTo(b);
            }
        }
    }
}

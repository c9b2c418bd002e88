package io.pgpilot.keeper.member;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.Read;
import io.pgpilot.testing.ApiServer;
import io.pgpilot.testing.ApiServerExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The keeper's heartbeat and fence watchdog against the local API server (its own process, over HTTP), with
 * a stand-in for PostgreSQL: the lease rule at work (renew, give back, leave alone, fence) in seconds and
 * without a database. The real keeper's fencing is tested with PostgreSQL in {@code KeeperClusterTest}.
 */
class HeartbeatAndFenceTest {

    /** renew 200 ms, renew deadline 2 s, lease 3 s: short, with room for a loaded machine's slow answers. */
    private static final ClusterSpec SPEC = new ClusterSpec(3, false, 1, false, 1024 * 1024, 16 * 1024 * 1024, 200, 2_000, 3_000, 300_000, false,
            Map.of(), List.of(), true);
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @RegisterExtension
    static final ApiServerExtension API = new ApiServerExtension();

    /** The test's own view of the cluster, with a patient client. */
    ClusterStore store;
    /** The keeper's, with a request timeout well below the renew deadline, as the keeper's own. */
    ClusterStore keeperStore;
    StandInPostgres postgres;
    RunningMember running;
    Member member;

    @BeforeEach
    void freshCluster() {
        String namespace = ApiServer.freshNamespace();
        store = new ClusterStore(API.server().client(Duration.ofSeconds(10)), namespace, new ObjectNames("c"));
        keeperStore = new ClusterStore(API.server().client(Duration.ofMillis(500)), namespace, new ObjectNames("c"));
        store.createSpec(SPEC).orElseThrow();
        postgres = new StandInPostgres();
    }

    @AfterEach
    void stopKeeper() throws InterruptedException {
        if (running != null) {
            running.close();
        }
        API.server().resume();
    }

    /** The heartbeat and the watchdog of member "me", running. */
    private void startKeeper() {
        running = new RunningMember("me", 8008, postgres, keeperStore, API.dir().resolve("cluster-seen-" + store.namespace()));
        member = running.member;
    }

    private void plan(String primary, long epoch) {
        ClusterState state = new ClusterState(epoch, epoch, Phase.NORMAL, "test", primary, Map.of(
                "me", primary.equals("me") ? MemberPlan.primary() : MemberPlan.standbyOf(primary),
                "k2", primary.equals("k2") ? MemberPlan.primary() : MemberPlan.standbyOf(primary)), List.of(), 0, List.of());
        if (store.readState() instanceof Read.Found<ClusterState> found) {
            store.updateState(state, found.resourceVersion()).orElseThrow();
        } else {
            store.createState(state).orElseThrow();
        }
    }

    /** The primary goes on: it renews the Lease once more, still C-state's primary by its view, writable, never fenced. */
    private void assertStillServingAfterARenewal() {
        String version = lease().resourceVersion();
        await().atMost(WITHIN).until(() -> !lease().resourceVersion().equals(version));
        assertThat(member.view().state().primary()).as("the last current C-state stays in force").isEqualTo("me");
        assertThat(member.permission().granted()).isTrue();
        assertThat(postgres.stoppedAtRenewalAgeMs).as("never fenced").isEqualTo(-1);
    }

    private PrimaryLease lease() {
        return store.readPrimaryLease().orElseThrow();
    }

    /** The writable primary "me" at epoch 1, as its convergence loop leaves it after starting PostgreSQL. */
    private void servingPrimary() {
        plan("me", 1);
        store.createPrimaryLease("me").orElseThrow();
        postgres.runAs(PostgresRole.PRIMARY);
        startKeeper();
        await().atMost(WITHIN).until(() -> member.permission().granted());
        member.observed(postgres.observe());
        member.becomeWritable();
    }

    @Test
    void aPlannedPrimaryRenewsItsLeaseAndPublishesItsStatus() {
        servingPrimary();
        String version = lease().resourceVersion();
        await().atMost(WITHIN).until(() -> !lease().resourceVersion().equals(version));
        assertThat(lease().holder()).isEqualTo("me");
        assertThat(lease().epoch()).as("renewals keep the epoch").isEqualTo(1);
        await().atMost(WITHIN).until(() -> published().isPresent());
        assertThat(member.isServingPrimary()).isTrue();
        assertThat(member.renewal().millisSinceRenewal()).isBetween(0L, SPEC.renewDeadlineMs());
    }

    @Test
    void aStalledApiServerFencesTheWritablePrimaryWithinTheRenewDeadlineAndARenewalEndsTheFence() {
        servingPrimary();
        await().atMost(WITHIN).until(() -> member.renewal().millisSinceRenewal() >= 0 && member.renewal().millisSinceRenewal() < 300);
        API.server().stall();
        await().atMost(WITHIN).until(() -> postgres.stoppedAtRenewalAgeMs >= 0);
        long age = postgres.stoppedAtRenewalAgeMs;
        System.out.println("FENCE: PostgreSQL stopped when the last renewal was " + age + " ms old (renew deadline " + SPEC.renewDeadlineMs() + " ms)");
        assertThat(age).as("fenced once the deadline passed, and well before the lease (" + SPEC.leaseDurationMs() + " ms) can expire for anyone")
                .isBetween(SPEC.renewDeadlineMs(), SPEC.renewDeadlineMs() + 100);
        assertThat(member.fenced()).isTrue();
        assertThat(member.isServingPrimary()).isFalse();
        // The watchdog derives the status once PostgreSQL has stopped, a moment after the stand-in records the stop.
        await().atMost(WITHIN).until(() -> member.status().state() == MemberState.FENCED);

        API.server().resume();
        // The lease was never lost: the next renewal makes it this member's again, at the same epoch.
        await().atMost(WITHIN).until(() -> member.permission().granted());
        assertThat(lease().epoch()).isEqualTo(1);
        await().atMost(WITHIN).until(() -> published().map(s -> s.state() == MemberState.FENCED).orElse(false));
    }

    @Test
    void theProcessFenceFollowsEachRenewalWhileThePrimaryMayWriteAndIsDisarmedOnceItStops() {
        servingPrimary();
        await().atMost(WITHIN).until(() -> postgres.fenceDeadlineNanos != 0);
        long first = postgres.fenceDeadlineNanos;
        await().atMost(WITHIN).until(() -> postgres.fenceDeadlineNanos > first);
        long grace = FenceWatchdog.processFenceGraceMs(SPEC) * 1_000_000L;
        // The renewal's deadline, plus the grace that lets the keeper's own fence go first.
        await().atMost(WITHIN).until(() -> postgres.fenceDeadlineNanos - grace == member.renewal().deadlineNanos(SPEC.renewDeadlineMs()));
        assertThat(grace).isEqualTo(333_000_000L);
        member.stopWriting();
        await().atMost(WITHIN).until(() -> postgres.fenceDeadlineNanos == 0);
    }

    @Test
    void theLeaseGoesBackOnceASwitchoverHasStoppedPostgres() {
        servingPrimary();
        // The sentinel plans k2 as primary at the same epoch; this keeper's convergence stops PostgreSQL.
        plan("k2", 1);
        await().during(Duration.ofMillis(1_000)).atMost(WITHIN).until(() -> lease().isHeldBy("me"));   // PostgreSQL still runs: the lease stays
        postgres.stop();
        member.stopWriting();
        await().atMost(WITHIN).until(() -> lease().isReleased());
        assertThat(lease().epoch()).as("giving the lease back is not a new epoch").isEqualTo(1);
        assertThat(member.renewal().millisSinceRenewal()).as("renewals forgotten").isEqualTo(-1);
    }

    @Test
    void aLeaseAheadOfCStateIsNeitherRenewedNorGivenBack() {
        plan("k2", 1);
        store.createPrimaryLease("k2").orElseThrow();
        // The sentinel has moved the lease to "me" (epoch 2) and not yet written C-state: a transfer in flight.
        PrimaryLease moved = store.transferPrimaryLease(lease(), "me").orElseThrow();
        postgres.runAs(PostgresRole.STANDBY);
        startKeeper();
        await().atMost(WITHIN).until(() -> member.view().lease() != null && member.view().lease().epoch() == 2);
        await().during(Duration.ofMillis(1_000)).atMost(WITHIN).until(() -> lease().resourceVersion().equals(moved.resourceVersion()));
        assertThat(member.permission().granted()).isFalse();
        assertThat(member.permission().whyNot()).contains("names k2 as primary");
    }

    @Test
    void aCorruptCStateKeepsTheLastStateReadAndThePrimaryWritable() {
        servingPrimary();
        ConfigMap state = store.client().configMaps().inNamespace(store.namespace()).withName(store.names().stateConfigMap()).get();
        state.getData().put("state.json", "{not json");
        store.client().configMaps().inNamespace(store.namespace()).resource(state).update();
        assertStillServingAfterARenewal();
    }

    @Test
    void aDeletedPrimaryLeaseIsRecreatedByItsServingHolderInTheSameTermWithoutAFence() {
        servingPrimary();
        store.client().leases().inNamespace(store.namespace()).withName(store.names().primaryLease()).delete();
        await().atMost(WITHIN).until(() -> store.readPrimaryLease() instanceof Read.Found<PrimaryLease> found && found.value().isHeldBy("me"));
        assertThat(lease().epoch()).as("the same term: the epoch it held").isEqualTo(1);
        assertStillServingAfterARenewal();
    }

    @Test
    void aDeletedPrimaryLeaseIsNotRecreatedByAMemberThatDoesNotServe() {
        plan("me", 1);
        store.createPrimaryLease("me").orElseThrow();
        postgres.runAs(PostgresRole.STANDBY);
        startKeeper();
        await().atMost(WITHIN).until(() -> member.permission().granted());
        // Planned and holding the Lease, but PostgreSQL is not yet a primary by this keeper's leave (still promoting).
        store.client().leases().inNamespace(store.namespace()).withName(store.names().primaryLease()).delete();
        await().during(Duration.ofMillis(1_000)).atMost(WITHIN).until(() -> !store.readPrimaryLease().isFound());
    }

    @Test
    void aDeletedCStateLeavesTheLastOneReadInForceAndThePrimaryWritable() {
        servingPrimary();
        store.client().configMaps().inNamespace(store.namespace()).withName(store.names().stateConfigMap()).delete();
        assertStillServingAfterARenewal();
    }

    @Test
    void aCStateBelowWhatThisMemberHasReadIsNotActedOn() throws Exception {
        servingPrimary();
        await().atMost(WITHIN).until(() -> published().map(s -> s.epochSeen() == 1).orElse(false));
        // Restored from an older copy: an earlier generation that named another primary.
        ClusterState older = new ClusterState(0, 0, Phase.NORMAL, "old", "k2", Map.of("k2", MemberPlan.primary(), "me", MemberPlan.standbyOf("k2")),
                List.of(), 0, List.of());
        store.updateState(older, ((Read.Found<ClusterState>) store.readState()).resourceVersion()).orElseThrow();
        assertStillServingAfterARenewal();
        assertThat(Files.readString(API.dir().resolve("cluster-seen-" + store.namespace())).strip()).isEqualTo("1 1");
    }

    @Test
    void aStandbyIsNeverFencedAndHoldsNoLease() {
        plan("k2", 1);
        store.createPrimaryLease("k2").orElseThrow();
        postgres.runAs(PostgresRole.STANDBY);
        startKeeper();
        await().atMost(WITHIN).until(() -> published().isPresent());
        API.server().stall();
        await().during(Duration.ofMillis(SPEC.renewDeadlineMs() + 300)).atMost(WITHIN).until(() -> postgres.stoppedAtRenewalAgeMs == -1);
        API.server().resume();
        assertThat(lease().holder()).isEqualTo("k2");
    }

    private Optional<KeeperStatus> published() {
        try {
            for (KeeperRecord r : store.listKeepers()) {
                if (r.keeper().equals("me") && r.status() instanceof Read.Found<KeeperStatus> found) {
                    return Optional.of(found.value());
                }
            }
        } catch (RuntimeException e) {
            // stalled by the test
        }
        return Optional.empty();
    }
}

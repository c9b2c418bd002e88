package io.pgpilot.sentinel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.sentinel.election.Leadership;
import io.pgpilot.sentinel.planner.Decision;
import io.pgpilot.sentinel.planner.Reason;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.testing.ApiServer;
import io.pgpilot.testing.ApiServerExtension;
import io.pgpilot.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The decision loop against the local API server (its own process, over HTTP) with simulated keepers. The
 * sentinel's clock is a FakeClock, so "the lease has been still for 400 ms" is exact, not a race.
 */
class DecisionLoopTest {

    static final ClusterSpec SPEC = new ClusterSpec(3, false, 1, false, 1024 * 1024, 16 * 1024 * 1024, 100, 300, 500, 5_000, false,
            Map.of(), List.of(), true);

    @RegisterExtension
    static final ApiServerExtension API = new ApiServerExtension();

    ClusterStore store;
    SimulatedKeepers keepers;
    FakeClock clock;
    DecisionLoop loop;
    ListAppender<ILoggingEvent> logs;

    @BeforeEach
    void freshCluster() {
        store = new ClusterStore(API.server().client(), ApiServer.freshNamespace(), new ObjectNames("demo"));
        store.createSpec(SPEC).orElseThrow();
        keepers = new SimulatedKeepers(store);
        clock = new FakeClock();
        loop = new DecisionLoop(store, Leadership.ALWAYS, "test-sentinel", clock);
        logs = new ListAppender<>();
        logs.start();
        ((Logger) LoggerFactory.getLogger(DecisionLoop.class)).addAppender(logs);
    }

    @AfterEach
    void detachLogs() {
        ((Logger) LoggerFactory.getLogger(DecisionLoop.class)).detachAppender(logs);
    }

    private Decision tick() {
        return loop.tick().orElseThrow();
    }

    private ClusterState state() {
        return store.readState().orElseThrow();
    }

    private PrimaryLease lease() {
        return store.readPrimaryLease().orElseThrow();
    }

    private List<Event> events(String reason) {
        return store.client().v1().events().inNamespace(store.namespace()).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    /** Bootstraps k0 with standbys k1 (lsn 900) and k2 (lsn 800), the primary at 1000. */
    private void runningCluster() {
        for (String k : List.of("k0", "k1", "k2")) {
            keepers.join(k);
        }
        keepers.heartbeat();
        tick();
        keepers.heartbeat();
        tick();
        keepers.primary("k0", 1000);
        keepers.standby("k1", "k0", 900);
        keepers.standby("k2", "k0", 800);
        keepers.heartbeat();
        keepers.renewAsHolder("k0");
        tick();
        assertThat(lease().holder()).isEqualTo("k0");
    }

    @Test
    void bootstrapPicksOneKeeperWritesStateAndGrantsTheLease() {
        for (String k : List.of("k2", "k0", "k1")) {
            keepers.join(k);
        }
        keepers.heartbeat();
        Decision first = tick();
        assertThat(first.headline().reason()).as("a Lease not yet seen changing is not trusted").isEqualTo(Reason.WAITING_FOR_KEEPERS);
        keepers.heartbeat();
        Decision decision = tick();

        assertThat(decision.headline().reason()).isEqualTo(Reason.BOOTSTRAP);
        ClusterState state = state();
        assertThat(state.primary()).isEqualTo("k0");
        assertThat(state.epoch()).isEqualTo(1);
        assertThat(state.members()).isEqualTo(Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k0"), "k2", MemberPlan.standbyOf("k0")));
        assertThat(state.history()).singleElement().satisfies(r -> {
            assertThat(r.from()).isNull();
            assertThat(r.reason()).startsWith("bootstrap");
        });
        assertThat(lease().holder()).isEqualTo("k0");
        assertThat(lease().epoch()).isEqualTo(1);
        assertThat(events("Bootstrap")).hasSize(1);
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("BOOTSTRAP"));

        // The next tick has nothing to decide: no new generation.
        keepers.heartbeat();
        long generation = state().generation();
        tick();
        assertThat(state().generation()).isEqualTo(generation);
    }

    @Test
    void aRoutineHeartbeatAsksForATickWhileTheLeaderWaitsForKeepers() {
        for (String k : List.of("k0", "k1", "k2")) {
            keepers.join(k);
        }
        keepers.heartbeat();
        assertThat(tick().headline().reason()).isEqualTo(Reason.WAITING_FOR_KEEPERS);
        loop.changed(ClusterStore.Change.ROUTINE);
        assertThat(loop.tickRequested()).as("waiting for keepers, whose heartbeats are what it waits for").isTrue();
    }

    @Test
    void inAHealthyClusterOnlySignificantChangesAskForATick() {
        runningCluster();
        keepers.heartbeat();
        keepers.renewAsHolder("k0");
        assertThat(tick().headline().reason()).isEqualTo(Reason.PRIMARY_HEALTHY);
        loop.changed(ClusterStore.Change.ROUTINE);
        assertThat(loop.tickRequested()).as("a healthy cluster's heartbeats wait for the timer").isFalse();
        loop.changed(ClusterStore.Change.SIGNIFICANT);
        assertThat(loop.tickRequested()).isTrue();

        DecisionLoop follower = new DecisionLoop(store, () -> false, "follower-sentinel", clock);
        follower.changed(ClusterStore.Change.ROUTINE);
        assertThat(follower.tickRequested()).as("a sentinel that does not lead decides nothing on a heartbeat").isFalse();
    }

    @Test
    void aReleasedLeaseIsHandedToTheBestStandbyAtOnce() {
        runningCluster();
        keepers.set(keepers.get("k0").toBuilder().role(PostgresRole.NONE).state(MemberState.STOPPED).finalLsn(new Lsn(1000)).build());
        keepers.standby("k1", "k0", 1000);
        keepers.heartbeat();
        assertThat(keepers.release("k0")).isTrue();

        Decision decision = tick();

        assertThat(decision.headline().reason()).isEqualTo(Reason.PRIMARY_RELEASED_LEASE);
        assertThat(lease().holder()).isEqualTo("k1");
        assertThat(lease().epoch()).isEqualTo(2);
        ClusterState state = state();
        assertThat(state.primary()).isEqualTo("k1");
        assertThat(state.epoch()).isEqualTo(2);
        assertThat(state.members().get("k0")).isEqualTo(MemberPlan.standbyOf("k1"));
        assertThat(state.history()).last().satisfies(r -> assertThat(r.reason()).contains("PRIMARY_RELEASED_LEASE"));
        assertThat(events("PrimaryReleasedLease")).hasSize(1);
    }

    @Test
    void aSilentHolderKeepsAFreshLeaseAndLosesItOnlyAfterExpiry() {
        runningCluster();
        // k0 goes silent: no heartbeat, no renewal. The standbys keep reporting.
        clock.advanceMillis(400);
        keepers.heartbeat("k1");
        keepers.heartbeat("k2");
        Decision before = tick();
        assertThat(before.headline().reason()).isEqualTo(Reason.WAITING_FOR_LEASE_EXPIRY);
        assertThat(lease().holder()).as("silence is not evidence").isEqualTo("k0");
        assertThat(lease().epoch()).isEqualTo(1);

        clock.advanceMillis(101);
        keepers.heartbeat("k1");
        keepers.heartbeat("k2");
        Decision after = tick();
        assertThat(after.has(Reason.PRIMARY_LEASE_EXPIRED)).as(after.describe()).isTrue();
        assertThat(lease().holder()).isEqualTo("k1");
        assertThat(state().primary()).isEqualTo("k1");
    }

    @Test
    void anInvalidSpecIsReportedByFieldAndTheLastValidOneStaysInForce() {
        keepers.join("k0");
        keepers.heartbeat();
        tick();
        var cm = store.client().configMaps().inNamespace(store.namespace()).withName(store.names().specConfigMap()).get();
        String bad = "{\"replicas\": 3, \"synchronousMode\": true, \"minSynchronousStandbys\": 5, \"renewIntervalMs\": 100, "
                + "\"renewDeadlineMs\": 300, \"leaseDurationMs\": 500, \"departedKeeperGraceMs\": 5000}";
        store.client().configMaps().inNamespace(store.namespace()).resource(new ConfigMapBuilder(cm)
                .withData(Map.of(ObjectNames.SPEC_KEY, bad)).build()).update();

        tick();
        tick();

        assertThat(loop.spec()).contains(SPEC);
        assertThat(events("InvalidSpec")).singleElement().satisfies(e -> assertThat(e.getMessage()).contains("minSynchronousStandbys is 5")
                .contains("last valid spec stays in force"));
        assertThat(logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("spec refused")).toList())
                .singleElement().satisfies(m -> assertThat(m).contains("minSynchronousStandbys"));
    }

    @Test
    void aDeletedCStateIsRebuiltAroundTheServingPrimaryAtItsEpochWithoutTouchingTheLease() {
        runningCluster();
        keepers.heartbeat();
        keepers.renewAsHolder("k0");
        tick();
        ClusterState before = state();
        PrimaryLease lease = lease();
        store.client().configMaps().inNamespace(store.namespace()).withName(store.names().stateConfigMap()).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.readState().isFound());
        keepers.heartbeat();

        Decision decision = tick();

        assertThat(decision.headline().reason()).as(decision.describe()).isEqualTo(Reason.STATE_REBUILT);
        ClusterState rebuilt = state();
        assertThat(rebuilt.primary()).isEqualTo("k0");
        assertThat(rebuilt.epoch()).isEqualTo(before.epoch());
        assertThat(rebuilt.members()).isEqualTo(before.members());
        assertThat(lease().resourceVersion()).as("the Lease is not written").isEqualTo(lease.resourceVersion());
        assertThat(events("StateLost")).hasSize(1);
    }

    @Test
    void anUnreadableCStateIsSetAsideForInspectionBeforeItIsRebuilt() {
        runningCluster();
        var cm = store.client().configMaps().inNamespace(store.namespace()).withName(store.names().stateConfigMap()).get();
        store.client().configMaps().inNamespace(store.namespace()).resource(new ConfigMapBuilder(cm)
                .withData(Map.of(ObjectNames.STATE_KEY, "{not json")).build()).update();
        keepers.heartbeat();
        keepers.renewAsHolder("k0");

        Decision decision = tick();

        assertThat(decision.headline().reason()).as(decision.describe()).isEqualTo(Reason.STATE_REBUILT);
        assertThat(state().primary()).isEqualTo("k0");
        var kept = store.client().configMaps().inNamespace(store.namespace()).list().getItems().stream()
                .filter(c -> c.getMetadata().getName().startsWith(store.names().stateConfigMap() + "-unreadable-")).toList();
        assertThat(kept).singleElement().satisfies(c -> assertThat(c.getData()).containsEntry(ObjectNames.STATE_KEY, "{not json"));
    }

    @Test
    void aDeletedSpecLeavesTheLastValidOneInForceAndSaysSoInAnEvent() {
        runningCluster();
        store.client().configMaps().inNamespace(store.namespace()).withName(store.names().specConfigMap()).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> !store.readSpec().isFound());
        keepers.heartbeat();
        keepers.renewAsHolder("k0");

        Decision decision = tick();

        assertThat(loop.spec()).contains(SPEC);
        assertThat(decision.headline().reason()).isEqualTo(Reason.PRIMARY_HEALTHY);
        assertThat(events("SpecMissing")).singleElement().satisfies(e -> assertThat(e.getMessage()).contains("last valid spec stays in force"));
    }

    @Test
    void aDeletedKeeperLeaseDoesNotRetireItsMemberBeforeTheGracePeriod() {
        runningCluster();
        store.deleteKeeper("k2");
        keepers.heartbeat("k0");
        keepers.heartbeat("k1");
        keepers.renewAsHolder("k0");

        Decision decision = tick();

        assertThat(decision.retired()).isEmpty();
        assertThat(state().members()).containsKey("k2");
    }
}

package io.pgpilot.keeper.converge;

import static io.pgpilot.cluster.PostgresRole.NONE;
import static io.pgpilot.cluster.PostgresRole.PRIMARY;
import static io.pgpilot.cluster.PostgresRole.STANDBY;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.keeper.model.Divergence;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The role contract as a table: situation in, the one next action out. */
class ConvergenceTest {

    private static final Endpoint K1 = new Endpoint("10.0.0.1", 5432);
    private static final Endpoint K2 = new Endpoint("10.0.0.2", 5432);

    /** A builder over the fields each row changes; the base is "k1, planned primary, lease held at epoch 1, fresh". */
    private record S(MemberPlan plan, String plannedPrimary, long epoch, boolean bootstrap, PrimaryLease lease, boolean fresh, DataState data,
                     boolean reinit, PostgresRole running, Endpoint upstream, boolean upstreamPrimary, Endpoint following, String identity, Divergence divergence,
                     boolean outdated, String promise) {
        static S primaryBase() {
            return new S(MemberPlan.primary(), "me", 1, true, new PrimaryLease("me", 1, "7"), true, DataState.EMPTY, false, NONE, null, false, null, null, Divergence.UNKNOWN, false, null);
        }

        static S standbyBase() {
            return new S(MemberPlan.standbyOf("k1"), "k1", 1, true, new PrimaryLease("k1", 1, "7"), false, DataState.EMPTY, false, NONE, K1, true, null, null, Divergence.UNKNOWN, false, null);
        }

        S data(DataState d) { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, d, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S running(PostgresRole r) { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, r, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S fresh(boolean f) { return new S(plan, plannedPrimary, epoch, bootstrap, lease, f, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S bootstrap(boolean b) { return new S(plan, plannedPrimary, epoch, b, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S lease(PrimaryLease l) { return new S(plan, plannedPrimary, epoch, bootstrap, l, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S epoch(long e) { return new S(plan, plannedPrimary, e, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S withReinit() { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, true, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S upstream(Endpoint u) { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, u, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S following(Endpoint f) { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, f, identity, divergence, outdated, promise); }
        S foreign() { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, "other cluster", divergence, outdated, promise); }
        S noPlan() { return new S(null, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }
        S upstreamStandby() { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, false, following, identity, divergence, outdated, promise); }
        S plannedPrimary(String p) { return new S(plan, p, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, promise); }

        S outdatedSettings() { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, true, promise); }

        S promised() { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, divergence, outdated, "promised k1 (in failsafe) not to become writable for 900 ms more"); }

        S divergence(Divergence d) { return new S(plan, plannedPrimary, epoch, bootstrap, lease, fresh, data, reinit, running, upstream, upstreamPrimary, following, identity, d, outdated, promise); }

        Situation situation() {
            return new Situation("me", plan, epoch, bootstrap, WritePermission.of("me", plannedPrimary, plan, epoch, lease, fresh), data, reinit, running,
                    upstream, upstreamPrimary, following, identity, divergence, outdated, promise);
        }
    }

    static Stream<Arguments> table() {
        S p = S.primaryBase();
        S s = S.standbyBase();
        return Stream.of(
                // planned primary
                Arguments.of("bootstrap: empty, lease held, bootstrap epoch -> initdb", p, Action.Initdb.class),
                Arguments.of("empty but not a bootstrap epoch -> never initdb", p.bootstrap(false), Action.Hold.class),
                Arguments.of("empty, bootstrap, but renewal stale -> wait", p.fresh(false), Action.Hold.class),
                Arguments.of("empty, bootstrap, lease held by another -> wait", p.lease(new PrimaryLease("k2", 1, "7")), Action.Hold.class),
                Arguments.of("empty, bootstrap, lease missing -> wait", p.lease(null), Action.Hold.class),
                Arguments.of("lease epoch differs from C-state -> wait", p.epoch(2).data(DataState.PRIMARY), Action.Hold.class),
                Arguments.of("primary data, not running -> start as primary", p.data(DataState.PRIMARY), Action.StartPrimary.class),
                Arguments.of("standby data, not running -> start in recovery first", p.data(DataState.STANDBY), Action.StartStandby.class),
                Arguments.of("running standby, lease held -> promote", p.data(DataState.STANDBY).running(STANDBY), Action.Promote.class),
                Arguments.of("running standby, lease not yet held -> keep replaying", p.data(DataState.STANDBY).running(STANDBY).lease(new PrimaryLease("k2", 1, "7")), Action.Hold.class),
                Arguments.of("running primary, all valid -> serve", p.data(DataState.PRIMARY).running(PRIMARY), Action.ServePrimary.class),
                Arguments.of("running standby, lease held, failsafe promise to the old primary runs -> wait, never promote",
                        p.data(DataState.STANDBY).running(STANDBY).promised(), Action.Hold.class),
                Arguments.of("primary data, failsafe promise runs -> wait, never start writable", p.data(DataState.PRIMARY).promised(), Action.Hold.class),
                Arguments.of("running primary, renewal stale -> stop (fence)", p.data(DataState.PRIMARY).running(PRIMARY).fresh(false), Action.Stop.class),
                Arguments.of("running primary, lease released -> stop", p.data(DataState.PRIMARY).running(PRIMARY).lease(new PrimaryLease(null, 1, "8")), Action.Stop.class),
                Arguments.of("running primary, C-state names another -> stop", p.data(DataState.PRIMARY).running(PRIMARY).plannedPrimary("k2"), Action.Stop.class),
                Arguments.of("running primary, no plan -> stop", p.data(DataState.PRIMARY).running(PRIMARY).noPlan().plannedPrimary(null), Action.Stop.class),
                // planned standby
                Arguments.of("empty -> clone from the upstream", s, Action.Clone.class),
                Arguments.of("empty, upstream not running -> wait", s.upstream(null), Action.Hold.class),
                Arguments.of("standby data, upstream not running -> start in recovery, a candidate", s.data(DataState.STANDBY).upstream(null), Action.StartStandby.class),
                Arguments.of("former primary data, upstream not running -> wait (a rewind needs it)", s.data(DataState.PRIMARY).upstream(null), Action.Hold.class),
                Arguments.of("standby data -> start streaming", s.data(DataState.STANDBY), Action.StartStandby.class),
                Arguments.of("former primary data -> rewind, never a re-clone", s.data(DataState.PRIMARY), Action.Rewind.class),
                Arguments.of("former primary data past the fork point -> rewind", s.data(DataState.PRIMARY).divergence(Divergence.DIVERGED), Action.Rewind.class),
                Arguments.of("former primary data ending at or before the fork point -> follow without a rewind",
                        s.data(DataState.PRIMARY).divergence(Divergence.NONE), Action.StartStandby.class),
                Arguments.of("standby data past the fork point -> rewind before following", s.data(DataState.STANDBY).divergence(Divergence.DIVERGED), Action.Rewind.class),
                Arguments.of("standby data up to the fork point -> start streaming", s.data(DataState.STANDBY).divergence(Divergence.NONE), Action.StartStandby.class),
                Arguments.of("running standby replayed past the fork point -> stop, to rewind", s.data(DataState.STANDBY).running(STANDBY).following(K1)
                        .divergence(Divergence.DIVERGED), Action.Stop.class),
                Arguments.of("former primary data, upstream not yet promoted (switchover) -> wait for its timeline", s.data(DataState.PRIMARY).upstreamStandby(), Action.Hold.class),
                Arguments.of("standby data, upstream not yet promoted -> stream from it meanwhile", s.data(DataState.STANDBY).upstreamStandby(), Action.StartStandby.class),
                Arguments.of("running primary while planned standby -> stop first", s.data(DataState.PRIMARY).running(PRIMARY), Action.Stop.class),
                Arguments.of("streaming from the planned upstream -> nothing", s.data(DataState.STANDBY).running(STANDBY).following(K1), Action.Hold.class),
                Arguments.of("upstream moved -> re-point by reload", s.data(DataState.STANDBY).running(STANDBY).following(K2), Action.Repoint.class),
                Arguments.of("upstream unknown while running -> keep replaying", s.data(DataState.STANDBY).running(STANDBY).upstream(null), Action.Hold.class),
                Arguments.of("reinit decided, running -> stop first", s.data(DataState.STANDBY).running(STANDBY).withReinit(), Action.Stop.class),
                Arguments.of("reinit decided, stopped -> discard and clone", s.data(DataState.PRIMARY).withReinit(), Action.Clone.class),
                // identity and plan
                Arguments.of("data of another cluster -> refuse", s.data(DataState.STANDBY).foreign(), Action.Refuse.class),
                Arguments.of("data of another cluster, running in recovery -> stop first", s.data(DataState.STANDBY).running(STANDBY).foreign(), Action.Stop.class),
                // started before the cluster was read
                Arguments.of("started early, settings unchanged, upstream the same -> nothing", s.data(DataState.STANDBY).running(STANDBY).following(K1), Action.Hold.class),
                Arguments.of("started early with settings the spec changed -> restart", s.data(DataState.STANDBY).running(STANDBY).following(K1).outdatedSettings(),
                        Action.Stop.class),
                Arguments.of("running in recovery without an upstream, the upstream now runs -> re-point", s.data(DataState.STANDBY).running(STANDBY), Action.Repoint.class),
                Arguments.of("started early, planned primary, settings changed -> restart before promoting", p.data(DataState.STANDBY).running(STANDBY).outdatedSettings(),
                        Action.Stop.class),
                Arguments.of("not in C-state -> wait", s.noPlan(), Action.Hold.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String name, S given, Class<? extends Action> expected) {
        Action action = Convergence.decide(given.situation());
        assertThat(action).as(name + " (" + action.why() + ")").isInstanceOf(expected);
        assertThat(action.why()).isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void neverDiscardsDataWithoutAReinitDecision(String name, S given, Class<? extends Action> ignored) {
        Action action = Convergence.decide(given.situation());
        if (action instanceof Action.Clone clone && clone.discardExisting()) {
            assertThat(given.reinit()).as(name).isTrue();
        }
        if (action instanceof Action.Clone || action instanceof Action.Initdb) {
            assertThat(given.data() == DataState.EMPTY || given.reinit()).as(name + ": only an empty directory is written from scratch").isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void neverBecomesWritableWhileAFailsafePromiseRuns(String name, S given, Class<? extends Action> ignored) {
        Action action = Convergence.decide(given.situation());
        if (given.promise() != null) {
            assertThat(action).as(name).isNotInstanceOfAny(Action.StartPrimary.class, Action.Promote.class, Action.Initdb.class);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void becomesWritableOnlyWithAValidLease(String name, S given, Class<? extends Action> ignored) {
        Action action = Convergence.decide(given.situation());
        if (action instanceof Action.StartPrimary || action instanceof Action.Promote || action instanceof Action.ServePrimary
                || action instanceof Action.Initdb) {
            assertThat(given.situation().permission().granted()).as(name).isTrue();
        }
    }
}

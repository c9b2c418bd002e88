package io.pgpilot.sentinel.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.Phase;
import io.pgpilot.cluster.PostgresRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The planner's table, in the manner of Stolon's sentinel tests: each row is a cluster situation and what the
 * sentinel must decide (or refuse, and why).
 */
class PlannerTableTest {

    private record Row(String name, Supplier<Fixture> situation, Consumer<Decision> expect) {
    }

    private static final List<Row> ROWS = new ArrayList<>();

    private static void row(String name, Supplier<Fixture> situation, Consumer<Decision> expect) {
        ROWS.add(new Row(name, situation, expect));
    }

    private static void promotes(Decision d, String to, Reason why) {
        assertThat(d.leaseAction()).as(d.describe()).isEqualTo(new LeaseAction.Transfer(to, 3, 4));
        assertThat(d.has(why)).as(d.describe()).isTrue();
        ClusterState next = d.next();
        assertThat(next.primary()).isEqualTo(to);
        assertThat(next.epoch()).isEqualTo(4);
        assertThat(next.generation()).isEqualTo(11);
        assertThat(next.phase()).isEqualTo(Phase.NORMAL);
        next.members().forEach((name, plan) -> assertThat(plan).as(name).isEqualTo(name.equals(to)
                ? MemberPlan.primary() : MemberPlan.standbyOf(to)));
        assertThat(next.history()).last().satisfies(r -> {
            assertThat(r.from()).isEqualTo("p0");
            assertThat(r.to()).isEqualTo(to);
            assertThat(r.epoch()).isEqualTo(4);
        });
    }

    private static void refuses(Decision d, Reason why) {
        assertThat(d.leaseAction()).as(d.describe()).isEqualTo(LeaseAction.NONE);
        assertThat(d.headline().reason()).as(d.describe()).isEqualTo(why);
    }

    static {
        // ---- bootstrap -------------------------------------------------------------------------------
        row("bootstrap picks one keeper, grants epoch 1 and records a bootstrap history entry", () -> {
            Fixture f = Fixture.empty();
            f.put(Fixture.fresh("k1")).put(Fixture.fresh("k0")).put(Fixture.fresh("k2"));
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Create("k0", 1));
            assertThat(d.next().primary()).isEqualTo("k0");
            assertThat(d.next().epoch()).isEqualTo(1);
            assertThat(d.next().members()).isEqualTo(Map.of("k0", MemberPlan.primary(), "k1", MemberPlan.standbyOf("k0"),
                    "k2", MemberPlan.standbyOf("k0")));
            assertThat(d.next().history()).singleElement().satisfies(r -> {
                assertThat(r.from()).isNull();
                assertThat(r.to()).isEqualTo("k0");
                assertThat(r.reason()).startsWith("bootstrap");
                assertThat(r.epoch()).isEqualTo(1);
            });
            assertThat(d.has(Reason.BOOTSTRAP)).isTrue();
        });
        row("bootstrap prefers the highest priority", () -> {
            Fixture f = Fixture.empty();
            f.put(Fixture.fresh("k0")).put(Fixture.fresh("k1").toBuilder().priority(5).build()).put(Fixture.fresh("k2"));
            return f;
        }, d -> assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Create("k1", 1)));
        row("bootstrap skips noFailover keepers", () -> {
            Fixture f = Fixture.empty();
            f.put(Fixture.fresh("k0").toBuilder().noFailover(true).build()).put(Fixture.fresh("k1")).put(Fixture.fresh("k2"));
            return f;
        }, d -> assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Create("k1", 1)));
        row("bootstrap never runs over a keeper that has data: C-state is rebuilt from the members instead", () -> {
            Fixture f = Fixture.empty();
            f.put(Fixture.fresh("k0")).put(Fixture.fresh("k1").toBuilder().systemIdentifier(Fixture.SYSID).timeline(1).build()).put(Fixture.fresh("k2"));
            return f;
        }, d -> {
            assertThat(d.has(Reason.BOOTSTRAP)).isFalse();
            assertThat(d.next().primary()).isEqualTo("k1");
            assertThat(d.has(Reason.CLUSTER_ADOPTED)).isTrue();
        });
        row("bootstrap waits until every keeper of spec.replicas has reported, so that none holding data is overlooked", () -> {
            Fixture f = Fixture.empty();
            f.put(Fixture.fresh("k0")).put(Fixture.fresh("k1"));
            return f;
        }, d -> refuses(d, Reason.WAITING_FOR_KEEPERS));
        row("bootstrap waits while no keeper reported", Fixture::empty, d -> refuses(d, Reason.WAITING_FOR_KEEPERS));
        row("bootstrap does not trust a keeper Lease it has not seen change (left behind by a dead keeper)", () -> {
            Fixture f = Fixture.empty();
            f.keepers.put("k0", KeeperView.of(Fixture.fresh("k0"), 10).withHeartbeatSeen(false));
            return f;
        }, d -> refuses(d, Reason.WAITING_FOR_KEEPERS));
        row("bootstrap over an existing lease transfers it instead of creating", () -> {
            Fixture f = Fixture.empty();
            f.lease = PrimaryLeaseView.released(0, 10);
            f.put(Fixture.fresh("k0")).put(Fixture.fresh("k1")).put(Fixture.fresh("k2"));
            return f;
        }, d -> assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Transfer("k0", 0, 1)));

        // ---- steady state ----------------------------------------------------------------------------
        row("a healthy cluster writes nothing", Fixture::running, d -> {
            assertThat(d.writesAnything()).as(d.describe()).isFalse();
            assertThat(d.headline().reason()).isEqualTo(Reason.PRIMARY_HEALTHY);
        });
        row("a new keeper joins as a standby (scale up)", () -> Fixture.running().put(Fixture.fresh("s3")), d -> {
            assertThat(d.next().members().get("s3")).isEqualTo(MemberPlan.standbyOf("p0"));
            assertThat(d.has(Reason.SCALE_UP)).isTrue();
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
        });
        row("a keeper silent past departedKeeperGraceMs is retired (scale down)", () -> Fixture.running().silent("s2", 400_000), d -> {
            assertThat(d.next().members()).doesNotContainKey("s2");
            assertThat(d.retired()).containsExactly("s2");
            assertThat(d.has(Reason.KEEPER_RETIRED)).isTrue();
        });
        row("a keeper silent for less than the grace period stays planned", () -> Fixture.running().silent("s2", 60_000),
                d -> assertThat(d.retired()).isEmpty());
        row("the primary is never retired, however silent", () -> Fixture.running().silent("p0", 400_000).leaseAge(100), d -> {
            assertThat(d.retired()).isEmpty();
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
        });
        row("a member pointing at the wrong upstream is repaired", () -> {
            Fixture f = Fixture.running();
            Map<String, MemberPlan> members = f.state.membersCopy();
            members.put("s2", MemberPlan.standbyOf("s1"));
            f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", members, List.of(), 0, List.of());
            return f;
        }, d -> {
            assertThat(d.next().members().get("s2")).isEqualTo(MemberPlan.standbyOf("p0"));
            assertThat(d.has(Reason.PLAN_REPAIRED)).isTrue();
        });
        row("pause: nothing is written and a request is refused", () -> {
            Fixture f = Fixture.running().leaseAge(60_000);
            f.spec = f.spec.withPause(true);
            f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "s1");
            return f;
        }, d -> {
            assertThat(d.next()).isNull();
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
            assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.REFUSED);
            assertThat(d.headline().reason()).isEqualTo(Reason.PAUSED);
        });

        // ---- the primary lease: silence is not evidence ----------------------------------------------
        row("a silent primary with a fresh lease is not replaced", () -> Fixture.running().silent("p0", 7_000).leaseAge(7_000), d -> {
            refuses(d, Reason.WAITING_FOR_LEASE_EXPIRY);
            assertThat(d.next().phase()).isEqualTo(Phase.WAITING);
        });
        row("a primary with an unreadable status and a fresh lease is not replaced", () -> {
            Fixture f = Fixture.running().leaseAge(3_000);
            f.keepers.put("p0", KeeperView.corrupt("p0", "bad json", 100));
            return f;
        }, d -> refuses(d, Reason.WAITING_FOR_LEASE_EXPIRY));
        row("an expired lease fails over to the standby with the most WAL", () -> Fixture.running().silent("p0", 9_000).leaseAge(8_001),
                d -> promotes(d, "s1", Reason.PRIMARY_LEASE_EXPIRED));
        row("a released lease fails over at once", () -> Fixture.running().released()
                        .edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED).finalLsn(new Lsn(1000)))
                        .edit("s1", b -> b.writeLsn(new Lsn(1000))),
                d -> promotes(d, "s1", Reason.PRIMARY_RELEASED_LEASE));
        row("a clean stop's handoff waits until the candidate reports the final position, even in asynchronous mode", () -> Fixture.running()
                        .released().edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED).finalLsn(new Lsn(1200))),
                d -> {
                    refuses(d, Reason.WAITING_FOR_FINAL_WAL);
                    assertThat(d.next().phase()).isEqualTo(Phase.WAITING);
                });
        row("a candidate cut off from the final position holds a released lease no longer than a lease duration", () -> Fixture.running()
                        .released().leaseAge(8_001).edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED).finalLsn(new Lsn(1200))),
                d -> promotes(d, "s1", Reason.PRIMARY_RELEASED_LEASE));
        row("a released lease with the best standby behind the final LSN by more than maxLagOnFailoverBytes waits", () -> {
            Fixture f = Fixture.running().released().leaseAge(8_001).edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED)
                    .finalLsn(new Lsn(5_000_000)));
            return f;
        }, d -> {
            refuses(d, Reason.CANDIDATE_LAGS_TOO_MUCH);
            assertThat(d.next().phase()).isEqualTo(Phase.WAITING);
        });
        row("the primary reporting FAILED on a fresh heartbeat is evidence", () -> Fixture.running().standbysLostTheirStream()
                        .edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.FAILED)),
                d -> promotes(d, "s1", Reason.PRIMARY_NOT_RUNNING));
        row("the primary reporting STOPPED on an old heartbeat is not evidence", () -> Fixture.running()
                        .edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED)).silent("p0", 6_000).leaseAge(1_000),
                d -> assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE));
        row("a restarting primary (INITIALIZING) is not evidence", () -> Fixture.running()
                        .edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.INITIALIZING)),
                d -> assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE));
        row("a terminated primary container is evidence", () -> Fixture.running().standbysLostTheirStream().pod("p0", true, false),
                d -> promotes(d, "s1", Reason.PRIMARY_POD_TERMINATED));
        row("a restarted primary container is evidence", () -> Fixture.running().standbysLostTheirStream().pod("p0", false, true),
                d -> promotes(d, "s1", Reason.PRIMARY_POD_RESTARTED));
        row("right after an unplanned loss, standbys still streaming are waited for: their positions may be a heartbeat old", () -> Fixture
                        .running().pod("p0", true, false).edit("s2", b -> b.state(MemberState.RUNNING).healthy(false)),
                d -> {
                    assertThat(d.leaseAction()).as(d.describe()).isEqualTo(LeaseAction.NONE);
                    assertThat(d.headline().reason()).as(d.describe()).isEqualTo(Reason.WAITING_FOR_FINAL_POSITIONS);
                    assertThat(d.headline().detail()).contains("s1").doesNotContain("s2");
                    assertThat(d.writesAnything()).as("a wait of a few hundred milliseconds is not written").isFalse();
                });
        row("once every standby reports where its WAL ends, the one with the most is promoted, though it was behind a heartbeat ago",
                () -> Fixture.running().pod("p0", true, false).standbysLostTheirStream().edit("s2", b -> b.writeLsn(new Lsn(1000))),
                d -> promotes(d, "s2", Reason.PRIMARY_POD_TERMINATED));
        row("the wait for final positions ends at the renew deadline after the last renewal", () -> Fixture.running().pod("p0", true, false)
                        .leaseAge(5_000),
                d -> promotes(d, "s1", Reason.PRIMARY_POD_TERMINATED));
        row("a terminated standby container is no reason to fail over", () -> Fixture.running().pod("s1", true, false),
                d -> assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE));
        row("the lease at exactly leaseDurationMs is still fresh", () -> Fixture.running().silent("p0", 9_000).leaseAge(8_000),
                d -> assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE));

        // ---- choosing the candidate ------------------------------------------------------------------
        row("a noFailover standby is skipped even with the most WAL", () -> Fixture.running().leaseAge(9_000)
                        .edit("s1", b -> b.noFailover(true)).edit("s2", b -> b.writeLsn(new Lsn(950))),
                d -> promotes(d, "s2", Reason.PRIMARY_LEASE_EXPIRED));
        row("a member the primary does not list among those it asks in failsafe is not a candidate, even with the most WAL: "
                        + "the primary may still be writing on the others' confirmations", () -> Fixture.running().leaseAge(9_000)
                        .member(Fixture.standby("s3", 1000)),
                d -> promotes(d, "s1", Reason.PRIMARY_LEASE_EXPIRED));
        row("a primary that lists no failsafe members (fenced, or before its first publication) restricts no candidate", () -> Fixture.running()
                        .leaseAge(9_000).edit("p0", b -> b.failsafeMembers(List.of())).member(Fixture.standby("s3", 1000)),
                d -> promotes(d, "s3", Reason.PRIMARY_LEASE_EXPIRED));
        row("equal WAL: the higher priority wins", () -> Fixture.running().leaseAge(9_000)
                        .edit("s2", b -> b.writeLsn(new Lsn(900)).priority(3)),
                d -> promotes(d, "s2", Reason.PRIMARY_LEASE_EXPIRED));
        row("a standby on another timeline is not a candidate", () -> Fixture.running().leaseAge(9_000)
                        .edit("s1", b -> b.timeline(2)),
                d -> promotes(d, "s2", Reason.PRIMARY_LEASE_EXPIRED));
        row("a standby that stopped streaming because its primary is gone is still a candidate", () -> Fixture.running().released()
                        .edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.STOPPED).finalLsn(new Lsn(1000)))
                        .edit("s1", b -> b.state(MemberState.RUNNING).healthy(false).writeLsn(new Lsn(1000))),
                d -> promotes(d, "s1", Reason.PRIMARY_RELEASED_LEASE));
        row("a standby of other data (system identifier) is not a candidate", () -> Fixture.running().leaseAge(9_000)
                        .edit("s1", b -> b.systemIdentifier("1")),
                d -> promotes(d, "s2", Reason.PRIMARY_LEASE_EXPIRED));
        row("a silent standby is not a candidate", () -> Fixture.running().leaseAge(9_000).silent("s1", 9_000),
                d -> promotes(d, "s2", Reason.PRIMARY_LEASE_EXPIRED));
        row("no running standby: wait and say why", () -> Fixture.running().leaseAge(9_000)
                        .edit("s1", b -> b.role(PostgresRole.NONE).state(MemberState.CLONING)).edit("s2", b -> b.role(PostgresRole.NONE)),
                d -> {
                    refuses(d, Reason.NO_ELIGIBLE_STANDBY);
                    assertThat(d.next().phase()).isEqualTo(Phase.WAITING);
                    assertThat(d.next().reason()).contains("s1").contains("s2");
                });
        row("the best standby lagging more than maxLagOnFailoverBytes is not promoted", () -> Fixture.running().leaseAge(9_000)
                        .edit("p0", b -> b.writeLsn(new Lsn(3_000_000))),
                d -> refuses(d, Reason.CANDIDATE_LAGS_TOO_MUCH));
        row("waiting is written once: the same refusal again writes nothing", () -> {
            Fixture f = Fixture.running().leaseAge(9_000).edit("s1", b -> b.role(PostgresRole.NONE).state(MemberState.FAILED))
                    .edit("s2", b -> b.role(PostgresRole.NONE).state(MemberState.FAILED));
            Decision first = f.plan();
            f.state = first.next();
            return f;
        }, d -> assertThat(d.writesAnything()).as(d.describe()).isFalse());

        // ---- synchronous mode ------------------------------------------------------------------------
        row("synchronous: only a member of the set is promoted, even if another has more WAL", () -> Fixture.runningSync().leaseAge(9_000)
                        .put(Fixture.standby("s3", 999)).edit("s2", b -> b.writeLsn(new Lsn(950))),
                d -> {
                    assertThat(((LeaseAction.Transfer) d.leaseAction()).holder()).isEqualTo("s2");
                });
        row("synchronous: a member C-state records but the primary never applied is not promoted", () -> {
            Fixture f = Fixture.runningSync().leaseAge(9_000);
            f.put(Fixture.primary("p0", 1000).toBuilder().synchronousStandbys(List.of("s2")).build());
            f.edit("s2", b -> b.role(PostgresRole.NONE).state(MemberState.FAILED));
            return f;
        }, d -> refuses(d, Reason.NOT_IN_SYNCHRONOUS_SET));
        row("synchronous: with ANY 1 of two, both must be seen to know who has every commit", () -> Fixture.runningSync().leaseAge(9_000)
                        .silent("s2", 20_000),
                d -> refuses(d, Reason.SYNCHRONOUS_QUORUM_UNKNOWN));
        row("synchronous: with ANY 2 of three, two seen are enough", () -> {
            Fixture f = Fixture.runningSync().leaseAge(9_000);
            f.spec = Fixture.spec(true, 2, false, 1024 * 1024);
            Map<String, MemberPlan> members = f.state.membersCopy();
            members.put("s3", MemberPlan.standbyOf("p0"));
            f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", members, List.of("s1", "s2", "s3"), 2, List.of());
            f.put(Fixture.primary("p0", 1000).toBuilder().synchronousStandbys(List.of("s1", "s2", "s3")).build());
            f.put(Fixture.standby("s3", 950)).silent("s3", 20_000);
            return f;
        }, d -> promotes(d, "s1", Reason.PRIMARY_LEASE_EXPIRED));
        row("synchronous: no member of the set has what the primary had when its term began: commits of the term before would be lost", () -> {
            Fixture f = Fixture.runningSync().leaseAge(9_000);
            f.edit("p0", b -> b.timeline(2).timelineHistory(Map.of(1, new Lsn(950))));
            return f.edit("s1", b -> b.timeline(2)).edit("s2", b -> b.timeline(2));
        }, d -> {
            refuses(d, Reason.SYNCHRONOUS_QUORUM_UNKNOWN);
            assertThat(d.headline().detail()).contains("0/3B6");
        });
        row("synchronous: a member of the set that has what the primary had when its term began is promoted", () -> {
            Fixture f = Fixture.runningSync().leaseAge(9_000);
            f.edit("p0", b -> b.timeline(2).timelineHistory(Map.of(1, new Lsn(850))));
            return f.edit("s1", b -> b.timeline(2)).edit("s2", b -> b.timeline(2));
        }, d -> promotes(d, "s1", Reason.PRIMARY_LEASE_EXPIRED));
        row("synchronous: the lag limit does not apply (the set has every acknowledged commit)", () -> Fixture.runningSync().leaseAge(9_000)
                        .edit("p0", b -> b.writeLsn(new Lsn(50_000_000))),
                d -> promotes(d, "s1", Reason.PRIMARY_LEASE_EXPIRED));
        row("synchronous set: ANY k over the healthy standbys", () -> {
            Fixture f = Fixture.running();
            f.spec = Fixture.spec(true, 1, false, 0);
            return f;
        }, d -> {
            assertThat(d.next().synchronousStandbys()).containsExactly("s1", "s2");
            assertThat(d.next().synchronousQuorum()).isEqualTo(1);
        });
        row("synchronous set: an unhealthy standby is not counted", () -> {
            Fixture f = Fixture.running().edit("s2", b -> b.healthy(false));
            f.spec = Fixture.spec(true, 1, false, 0);
            return f;
        }, d -> assertThat(d.next().synchronousStandbys()).containsExactly("s1"));
        row("synchronous set: too few healthy standbys, not strict: quorum lowered", () -> {
            Fixture f = Fixture.running().edit("s2", b -> b.healthy(false));
            f.spec = Fixture.spec(true, 2, false, 0);
            return f;
        }, d -> {
            assertThat(d.next().synchronousQuorum()).isEqualTo(1);
            assertThat(d.has(Reason.SYNCHRONOUS_FALLBACK)).isTrue();
        });
        row("synchronous set: too few healthy standbys, strict: the quorum stays and commits wait", () -> {
            Fixture f = Fixture.running().edit("s2", b -> b.healthy(false));
            f.spec = Fixture.spec(true, 2, true, 0);
            return f;
        }, d -> {
            assertThat(d.next().synchronousQuorum()).isEqualTo(2);
            assertThat(d.next().synchronousStandbys()).containsExactly("s1", "s2");
            assertThat(d.has(Reason.SYNCHRONOUS_BLOCKING)).isTrue();
        });
        row("synchronous set: a replacement is added before the old member is removed", () -> {
            Fixture f = Fixture.running().edit("s1", b -> b.healthy(false));
            f.spec = Fixture.spec(true, 1, false, 0);
            f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", f.state.members(), List.of("s1"), 1, List.of());
            f.put(Fixture.primary("p0", 1000).toBuilder().synchronousStandbys(List.of("s1")).build());
            return f;
        }, d -> assertThat(d.next().synchronousStandbys()).containsExactly("s1", "s2"));
        row("synchronous set: the old member goes once the primary applied the larger set and the new one caught up", () -> {
            Fixture f = Fixture.running().edit("s1", b -> b.healthy(false)).edit("s2", b -> b.writeLsn(new Lsn(1000)));
            f.spec = Fixture.spec(true, 1, false, 0);
            f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", f.state.members(), List.of("s1", "s2"), 1, List.of());
            f.put(Fixture.primary("p0", 1000).toBuilder().synchronousStandbys(List.of("s1", "s2")).build());
            return f;
        }, d -> assertThat(d.next().synchronousStandbys()).containsExactly("s2"));
        row("synchronous set: not removed while the primary has not applied the larger set", () -> {
            Fixture f = Fixture.running().edit("s1", b -> b.healthy(false)).edit("s2", b -> b.writeLsn(new Lsn(1000)));
            f.spec = Fixture.spec(true, 1, false, 0);
            f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", f.state.members(), List.of("s1", "s2"), 1, List.of());
            f.put(Fixture.primary("p0", 1000).toBuilder().synchronousStandbys(List.of("s1")).build());
            return f;
        }, d -> assertThat(d.next()).isNull());

        // ---- switchover ------------------------------------------------------------------------------
        row("switchover: the old primary is planned as a standby of the target first", () -> {
            Fixture f = Fixture.running();
            f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "s2");
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
            assertThat(d.next().phase()).isEqualTo(Phase.SWITCHING_OVER);
            assertThat(d.next().primary()).isEqualTo("p0");
            assertThat(d.next().members().get("p0")).isEqualTo(MemberPlan.standbyOf("s2"));
            assertThat(d.requestAnswer()).isNull();
        });
        row("switchover: the lease moves once the target received the old primary's final LSN", () -> switching()
                        .edit("s2", b -> b.writeLsn(new Lsn(1000))),
                d -> {
                    promotes(d, "s2", Reason.SWITCHOVER);
                    assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.DONE);
                });
        row("switchover: waits while the target is behind the final LSN", PlannerTableTest::switching, d -> {
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
            assertThat(d.headline().reason()).isEqualTo(Reason.SWITCHOVER_CATCHING_UP);
        });
        row("switchover: waits while the old primary still runs", () -> {
            Fixture f = switching();
            f.put(Fixture.primary("p0", 1000));
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
            assertThat(d.headline().reason()).isEqualTo(Reason.SWITCHOVER_DEMOTING);
        });
        row("switchover to the best standby when none is named", () -> {
            Fixture f = Fixture.running();
            f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, null);
            return f;
        }, d -> assertThat(d.next().members().get("p0")).isEqualTo(MemberPlan.standbyOf("s1")));
        row("switchover to a noFailover standby is refused", () -> {
            Fixture f = Fixture.running().edit("s2", b -> b.noFailover(true));
            f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "s2");
            return f;
        }, d -> {
            assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.REFUSED);
            assertThat(d.requestAnswer().message()).contains("noFailover");
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
        });
        row("synchronous switchover under load starts even when another member momentarily has more WAL", () -> {
            Fixture f = Fixture.runningSync().edit("s1", b -> b.writeLsn(new Lsn(990))).edit("s2", b -> b.writeLsn(new Lsn(995)));
            f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "s1");
            return f;
        }, d -> {
            assertThat(d.requestAnswer()).as(d.describe()).isNull();
            assertThat(d.next().phase()).isEqualTo(Phase.SWITCHING_OVER);
            assertThat(d.next().members().get("p0")).isEqualTo(MemberPlan.standbyOf("s1"));
        });
        row("synchronous switchover to a standby outside the set is refused", () -> {
            Fixture f = Fixture.runningSync().put(Fixture.standby("s3", 1000));
            Map<String, MemberPlan> members = f.state.membersCopy();
            members.put("s3", MemberPlan.standbyOf("p0"));
            f.state = new ClusterState(10, 3, Phase.NORMAL, "steady", "p0", members, List.of("s1", "s2"), 1, List.of());
            f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "s3");
            return f;
        }, d -> assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.REFUSED));
        row("a failover request while the primary is alive and its lease fresh does not move the lease", () -> {
            Fixture f = Fixture.running().silent("p0", 7_000).leaseAge(7_000);
            f.request = OperatorRequest.pending(OperatorRequest.FAILOVER, "s1");
            return f;
        }, d -> assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE));
        row("a failover request after expiry promotes the requested target", () -> {
            Fixture f = Fixture.running().leaseAge(9_000);
            f.request = OperatorRequest.pending(OperatorRequest.FAILOVER, "s2");
            return f;
        }, d -> {
            promotes(d, "s2", Reason.PRIMARY_LEASE_EXPIRED);
            assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.DONE);
        });

        // ---- lease and state out of step --------------------------------------------------------------
        row("a lease moved by a sentinel that crashed before writing C-state is adopted", () -> {
            Fixture f = Fixture.running();
            f.lease = PrimaryLeaseView.held("s1", 4, 100);
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
            assertThat(d.next().primary()).isEqualTo("s1");
            assertThat(d.next().epoch()).isEqualTo(4);
            assertThat(d.has(Reason.LEASE_HOLDER_ADOPTED)).isTrue();
        });
        row("a deleted primary Lease whose holder serves: nothing is written, the holder re-creates it", () -> {
            Fixture f = Fixture.running();
            f.lease = PrimaryLeaseView.missing(3, 300);
            return f;
        }, d -> {
            refuses(d, Reason.PRIMARY_LEASE_MISSING);
            assertThat(d.next()).isNull();
        });
        row("a deleted primary Lease not renewed for a lease duration expires like any other: a new Lease at the next epoch", () -> {
            Fixture f = Fixture.running();
            f.lease = PrimaryLeaseView.missing(3, 9_000);
            return f.standbysLostTheirStream();
        }, d -> {
            assertThat(d.leaseAction()).as(d.describe()).isEqualTo(new LeaseAction.Create("s1", 4));
            assertThat(d.next().epoch()).isEqualTo(4);
            assertThat(d.has(Reason.PRIMARY_LEASE_EXPIRED)).isTrue();
        });
        row("a deleted primary Lease of a terminated primary: failover at once, a new Lease above every epoch seen", () -> {
            Fixture f = Fixture.running().pod("p0", true, false).standbysLostTheirStream();
            f.lease = PrimaryLeaseView.missing(5, 100);
            return f;
        }, d -> {
            assertThat(d.leaseAction()).as(d.describe()).isEqualTo(new LeaseAction.Create("s1", 6));
            assertThat(d.next().epoch()).isEqualTo(6);
        });
        row("a Lease behind C-state (restored from an older copy) goes back to C-state's primary at C-state's epoch", () -> {
            Fixture f = Fixture.running();
            f.lease = PrimaryLeaseView.held("p0", 1, 100);
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Transfer("p0", 1, 3));
            assertThat(d.next()).isNull();
            assertThat(d.has(Reason.LEASE_RESTORED)).isTrue();
        });
        row("a Lease naming another member at C-state's epoch goes to C-state's primary at a new epoch, C-state following", () -> {
            Fixture f = Fixture.running();
            f.lease = PrimaryLeaseView.held("s2", 3, 100);
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Transfer("p0", 3, 4));
            assertThat(d.next().primary()).isEqualTo("p0");
            assertThat(d.next().epoch()).isEqualTo(4);
        });

        // ---- C-state lost: rebuilt from the members ---------------------------------------------------
        row("C-state deleted under a serving primary: rebuilt around it at the Lease's epoch, nothing else written", () -> {
            Fixture f = lost(Fixture.runningSync());
            return f;
        }, d -> {
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
            assertThat(d.next().primary()).isEqualTo("p0");
            assertThat(d.next().epoch()).isEqualTo(3);
            assertThat(d.next().members()).isEqualTo(Map.of("p0", MemberPlan.primary(), "s1", MemberPlan.standbyOf("p0"),
                    "s2", MemberPlan.standbyOf("p0")));
            assertThat(d.next().synchronousStandbys()).as("the set the primary applies").containsExactly("s1", "s2");
            assertThat(d.next().synchronousQuorum()).isEqualTo(1);
            assertThat(d.has(Reason.STATE_REBUILT)).isTrue();
        });
        row("C-state rebuilt continues above every generation a member has read", () -> {
            Fixture f = lost(Fixture.running());
            f.edit("s1", b -> b.generationSeen(41));
            return f;
        }, d -> assertThat(d.next().generation()).isEqualTo(42));
        row("C-state restored from an older copy (below the generation members read) is rebuilt", () -> {
            Fixture f = Fixture.running();
            f.state = new ClusterState(10, 2, Phase.NORMAL, "old", "s1", f.state.members(), List.of(), 0, List.of());
            f.edit("s2", b -> b.epochSeen(3).generationSeen(12));
            return f;
        }, d -> {
            assertThat(d.next().primary()).as(d.describe()).isEqualTo("p0");
            assertThat(d.next().epoch()).isEqualTo(3);
            assertThat(d.next().generation()).isEqualTo(13);
            assertThat(d.has(Reason.STATE_REBUILT)).isTrue();
        });
        row("C-state lost and no primary serves: wait for every member before choosing", () -> {
            Fixture f = lost(Fixture.running().pod("p0", true, false));
            f.keepers.remove("s2");
            return f;
        }, d -> {
            refuses(d, Reason.WAITING_FOR_MEMBERS);
            assertThat(d.next().primary()).as("a waiting C-state names no primary").isNull();
            assertThat(d.next().epoch()).as("and stays below every epoch read, so keepers ignore it").isZero();
            assertThat(d.headline().detail()).contains("recover --adopt");
        });
        row("C-state lost, every member reported: the one with the most WAL on the newest timeline is adopted at a new epoch", () -> {
            Fixture f = lost(Fixture.running().pod("p0", true, false));
            f.lease = PrimaryLeaseView.missing(3, 100);
            f.edit("p0", b -> b.role(PostgresRole.NONE).state(MemberState.INITIALIZING).epoch(0).epochSeen(3));
            f.edit("s2", b -> b.timeline(2).epochSeen(3));
            return f;
        }, d -> {
            assertThat(d.next().primary()).as(d.describe()).isEqualTo("s2");
            assertThat(d.next().epoch()).isEqualTo(4);
            assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Create("s2", 4));
            assertThat(d.has(Reason.CLUSTER_ADOPTED)).isTrue();
        });
        row("C-state lost, members hold two clusters' data: a person decides", () -> {
            Fixture f = lost(Fixture.running().pod("p0", true, false));
            f.edit("s2", b -> b.systemIdentifier("7300000000000000099"));
            return f;
        }, d -> {
            refuses(d, Reason.RECOVERY_NEEDS_DECISION);
            assertThat(d.headline().detail()).contains("recover --adopt").doesNotContain("clear");
        });
        row("recover --adopt of a member with less WAL than another is refused", () -> {
            Fixture f = lost(Fixture.running().pod("p0", true, false));
            f.request = OperatorRequest.adopt("s2", false);
            return f;
        }, d -> {
            assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.REFUSED);
            assertThat(d.requestAnswer().message()).contains("p0 has more WAL").contains("--force");
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
        });
        row("recover --adopt --force adopts it all the same, at a new epoch", () -> {
            Fixture f = lost(Fixture.running().pod("p0", true, false));
            f.request = OperatorRequest.adopt("s2", true);
            return f;
        }, d -> {
            assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.DONE);
            assertThat(d.next().primary()).isEqualTo("s2");
            assertThat(d.leaseAction()).isEqualTo(new LeaseAction.Transfer("s2", 3, 4));
        });
        row("recover --adopt while C-state is in force is refused", () -> {
            Fixture f = Fixture.running();
            f.request = OperatorRequest.adopt("s2", false);
            return f;
        }, d -> {
            assertThat(d.requestAnswer().status()).isEqualTo(OperatorRequest.REFUSED);
            assertThat(d.leaseAction()).isEqualTo(LeaseAction.NONE);
        });
    }

    /** {@code f} with its C-state deleted, as the sentinel that had read it sees it. */
    private static Fixture lost(Fixture f) {
        f.stateProblem = "ConfigMap demo-state was deleted";
        f.state = ClusterState.INITIAL;
        return f;
    }

    private static Fixture switching() {
        Fixture f = Fixture.running();
        Map<String, MemberPlan> members = f.state.membersCopy();
        members.put("p0", MemberPlan.standbyOf("s2"));
        f.state = new ClusterState(10, 3, Phase.SWITCHING_OVER, "switchover", "p0", members, List.of(), 0, List.of());
        f.put(Fixture.primary("p0", 1000).toBuilder().role(PostgresRole.NONE).state(MemberState.STOPPED).finalLsn(new Lsn(1000)).build());
        f.request = OperatorRequest.pending(OperatorRequest.SWITCHOVER, "s2");
        return f;
    }

    @TestFactory
    Stream<DynamicTest> table() {
        return ROWS.stream().map(row -> DynamicTest.dynamicTest(row.name(), () -> {
            Decision decision = Planner.plan(row.situation().get().input());
            row.expect().accept(decision);
            Fixture before = row.situation().get();
            if (decision.next() != null && decision.next().epoch() > 0) {
                assertThat(decision.next().generation()).as("generation only increases").isGreaterThan(before.state.generation());
                assertThat(decision.next().epoch()).as("epoch never goes back").isGreaterThanOrEqualTo(Epochs.highest(before.input()))
                        .isGreaterThanOrEqualTo(before.lease.epoch());
            }
            for (Finding finding : decision.findings()) {
                assertThat(finding.detail()).as("no message suggests clearing data").doesNotContainIgnoringCase("clear their data")
                        .doesNotContainIgnoringCase("delete the data");
            }
        }));
    }

}

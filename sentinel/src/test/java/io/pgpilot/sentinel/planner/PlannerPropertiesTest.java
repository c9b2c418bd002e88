package io.pgpilot.sentinel.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.Role;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The planner's safety rules over random cluster histories: keepers crash, stop, come back, write and lag;
 * time passes; operators ask for switchovers. After every decision the rules below must hold.
 */
class PlannerPropertiesTest {

    private static final List<String> NAMES = List.of("k0", "k1", "k2", "k3");

    @Property(tries = 400)
    void safetyHoldsOverRandomHistories(@ForAll @Size(min = 5, max = 120) List<@IntRange(min = 0, max = 9999) Integer> steps,
                                        @ForAll boolean synchronous, @ForAll boolean strict, @ForAll @IntRange(min = 1, max = 2) int quorum,
                                        @ForAll @IntRange(min = 0, max = 3000) int maxLag) {
        World world = new World(Fixture.spec(synchronous, quorum, strict, maxLag));
        for (int code : steps) {
            world.act(code);
            world.decideAndCheck();
        }
    }

    /** A small simulated cluster: keepers that converge to the plan, a primary lease, a clock. */
    private static final class World {
        final ClusterSpec spec;
        ClusterState state = ClusterState.INITIAL;
        boolean leaseExists;
        String holder;
        long leaseEpoch;
        long leaseAge;
        final Map<String, Sim> keepers = new HashMap<>();
        final Map<Long, String> holderOfEpoch = new HashMap<>();
        OperatorRequest request;
        final Random random;

        World(ClusterSpec spec) {
            this.spec = spec;
            this.random = new Random(spec.hashCode());
            for (String name : NAMES.subList(0, 3)) {
                keepers.put(name, new Sim(name));
            }
        }

        void act(int code) {
            int kind = code % 10;
            int arg = code / 10;
            Sim k = keepers.get(NAMES.get(arg % NAMES.size()));
            switch (kind) {
                case 0, 1 -> advance(200 + (arg % 40) * 100L);
                case 2 -> write(1 + arg);
                case 3 -> {
                    if (k != null) {
                        k.alive = false; // crash: silence
                    }
                }
                case 4 -> {
                    if (k != null && k.alive && k.name.equals(holder) && k.role == PostgresRole.PRIMARY) {
                        k.role = PostgresRole.NONE; // graceful stop: final LSN published, lease released
                        k.state = MemberState.STOPPED;
                        k.finalLsn = k.lsn;
                        holder = null;
                        leaseAge = 0;
                    }
                }
                case 5 -> {
                    if (k != null) {
                        k.alive = true;
                        k.heartbeatAge = 0;
                        k.podTerminated = false;
                    } else {
                        keepers.put(NAMES.get(arg % NAMES.size()), new Sim(NAMES.get(arg % NAMES.size())));
                    }
                }
                case 6 -> {
                    if (k != null && !k.alive) {
                        k.podTerminated = true;
                    }
                }
                case 7 -> request = OperatorRequest.pending(arg % 3 == 0 ? OperatorRequest.FAILOVER : OperatorRequest.SWITCHOVER,
                        arg % 2 == 0 ? null : NAMES.get(arg % NAMES.size()));
                case 8 -> {
                    if (k != null && k.alive && k.role == PostgresRole.STANDBY) {
                        k.lsn = Math.max(k.lsn, primaryLsn() - (arg % 5000)); // a standby catches up partly
                    }
                }
                default -> {
                    if (k != null && k.alive && k.role == PostgresRole.PRIMARY && arg % 7 == 0) {
                        k.role = PostgresRole.NONE; // PostgreSQL crashed under a live keeper
                        k.state = MemberState.FAILED;
                    }
                }
            }
            converge();
        }

        long primaryLsn() {
            Sim p = holder == null ? null : keepers.get(holder);
            return p == null ? 0 : p.lsn;
        }

        void advance(long ms) {
            for (Sim k : keepers.values()) {
                k.heartbeatAge = k.alive ? 0 : k.heartbeatAge + ms;
            }
            Sim h = holder == null ? null : keepers.get(holder);
            // A live holder that is primary renews; otherwise the lease only ages.
            leaseAge = h != null && h.alive && h.role == PostgresRole.PRIMARY ? 0 : leaseAge + ms;
        }

        void write(int bytes) {
            Sim p = holder == null ? null : keepers.get(holder);
            if (p == null || !p.alive || p.role != PostgresRole.PRIMARY || !p.name.equals(state.primary())) {
                return;
            }
            List<Sim> applied = p.applied.stream().map(keepers::get).filter(s -> s != null && s.alive && s.role == PostgresRole.STANDBY).toList();
            if (state.synchronousQuorum() > 0 && applied.size() < state.synchronousQuorum()) {
                return; // commits block: not enough synchronous standbys
            }
            p.lsn += bytes;
            // Synchronous: the commit is acknowledged once `quorum` members of the applied set have it.
            List<Sim> shuffled = new ArrayList<>(applied);
            java.util.Collections.shuffle(shuffled, random);
            for (int i = 0; i < Math.min(state.synchronousQuorum(), shuffled.size()); i++) {
                shuffled.get(i).lsn = p.lsn;
            }
            for (Sim s : keepers.values()) {
                if (s.alive && s.role == PostgresRole.STANDBY && random.nextBoolean()) {
                    s.lsn = Math.max(s.lsn, p.lsn - random.nextInt(2000));
                }
            }
        }

        /** Keepers do what the plan says, as far as they can. */
        void converge() {
            for (Sim k : keepers.values()) {
                if (!k.alive) {
                    continue;
                }
                MemberPlan plan = state.planFor(k.name);
                if (plan == null) {
                    continue;
                }
                if (plan.role() == Role.PRIMARY && k.name.equals(holder) && leaseEpoch == state.epoch() && k.state != MemberState.FAILED) {
                    if (k.sysid == null) {
                        k.sysid = Fixture.SYSID; // initdb
                        k.timeline = 1;
                    } else if (k.role != PostgresRole.PRIMARY) {
                        k.timeline = k.timeline + 1; // promotion
                    }
                    k.role = PostgresRole.PRIMARY;
                    k.state = MemberState.RUNNING;
                    k.applied = state.synchronousStandbys();
                } else if (plan.role() == Role.STANDBY) {
                    Sim up = keepers.get(plan.upstream());
                    if (k.role == PostgresRole.PRIMARY) {
                        k.role = PostgresRole.NONE; // demoted: clean stop, final position published
                        k.state = MemberState.STOPPED;
                        k.finalLsn = k.lsn;
                    } else if (up != null && up.alive && up.role == PostgresRole.PRIMARY && up.sysid != null) {
                        if (k.sysid == null || k.timeline < up.timeline) {
                            k.lsn = Math.min(Math.max(k.lsn, 0), up.lsn); // clone or rewind
                        }
                        k.sysid = up.sysid;
                        k.timeline = up.timeline;
                        k.role = PostgresRole.STANDBY;
                        k.state = MemberState.STREAMING;
                        k.finalLsn = 0;
                        k.upstream = up.name;
                    }
                }
            }
        }

        PlannerInput input() {
            Map<String, KeeperView> views = new HashMap<>();
            for (Sim k : keepers.values()) {
                views.put(k.name, KeeperView.of(k.status(state), k.heartbeatAge).withPod(k.podTerminated, false));
            }
            PrimaryLeaseView lease = !leaseExists ? PrimaryLeaseView.ABSENT
                    : holder == null ? PrimaryLeaseView.released(leaseEpoch, leaseAge) : PrimaryLeaseView.held(holder, leaseEpoch, leaseAge);
            return new PlannerInput(spec, state, lease, views, request, "t");
        }

        void decideAndCheck() {
            PlannerInput in = input();
            Decision d = Planner.plan(in);
            check(in, d);
            // Shown in the jqwik report: the histories must reach failovers, switchovers and refusals, not only steady states.
            Statistics.label("decision").collect(d.leaseAction() instanceof LeaseAction.Transfer ? "lease moved: " + d.headline().reason()
                    : d.headline().reason().name());
            if (d.leaseAction() instanceof LeaseAction.Create create) {
                if (leaseExists) {
                    return; // the create loses; the next decision reads again
                }
                leaseExists = true;
                claim(1, create.holder());
                holder = create.holder();
                leaseEpoch = 1;
                leaseAge = 0;
            } else if (d.leaseAction() instanceof LeaseAction.Transfer transfer) {
                assertThat(transfer.fromEpoch()).isEqualTo(leaseEpoch);
                claim(leaseEpoch + 1, transfer.holder());
                leaseExists = true;
                holder = transfer.holder();
                leaseEpoch++;
                leaseAge = 0;
            }
            if (d.next() != null) {
                state = d.next();
            }
            if (d.requestAnswer() != null) {
                request = null;
            }
            d.retired().forEach(keepers::remove);
            converge();
        }

        private void claim(long epoch, String newHolder) {
            String previous = holderOfEpoch.putIfAbsent(epoch, newHolder);
            assertThat(previous).as("epoch " + epoch + " already held by " + previous + ", now given to " + newHolder).isNull();
        }

        private void check(PlannerInput in, Decision d) {
            ClusterState before = in.state();
            if (d.next() != null) {
                assertThat(d.next().generation()).as("generations only increase").isGreaterThan(before.generation());
                assertThat(d.next().epoch()).as("epochs only increase").isGreaterThanOrEqualTo(before.epoch());
            }
            if (!(d.leaseAction() instanceof LeaseAction.Transfer transfer) || before.primary() == null) {
                return;
            }
            String to = transfer.holder();
            assertThat(to).isNotEqualTo(before.primary());
            PrimaryLeaseView lease = in.lease();
            KeeperView old = lease.holder() == null ? null : in.keepers().get(lease.holder());
            boolean evidence = lease.released() || lease.msSinceChange() > in.spec().leaseDurationMs()
                    || (old != null && (old.podTerminated() || old.podRestarted()))
                    || (old != null && old.readable() && old.msSinceHeartbeat() <= in.spec().renewDeadlineMs()
                        && old.status().role() != PostgresRole.PRIMARY
                        && (EnumSet.of(MemberState.STOPPED, MemberState.FAILED, MemberState.FENCED).contains(old.status().state())
                            || !old.status().finalLsn().equals(Lsn.ZERO)));
            assertThat(evidence).as("promotion of " + to + " while the lease of " + lease.holder() + " is fresh without evidence: " + d.describe())
                    .isTrue();
            KeeperView primary = in.keepers().get(before.primary());
            KeeperStatus candidate = in.keepers().get(to).status();
            if (before.synchronousQuorum() > 0) {
                assertThat(before.synchronousStandbys()).as("synchronous mode promotes only a recorded member: " + d.describe()).contains(to);
                Lsn finalLsn = primary.status().finalLsn();
                if (finalLsn.equals(Lsn.ZERO) || finalLsn.isAfter(candidate.receivedLsn())) {
                    assertThat(primary.status().synchronousStandbys()).as("synchronous mode promotes only an applied member (unless it "
                            + "has the cleanly stopped primary's final position): " + d.describe()).contains(to);
                }
            } else if (primary != null && primary.readable()) {
                Lsn last = Lsn.max(primary.status().receivedLsn(), primary.status().finalLsn());
                assertThat(last.bytesAfter(candidate.receivedLsn())).as("asynchronous promotion within maxLagOnFailoverBytes: " + d.describe())
                        .isLessThanOrEqualTo(in.spec().maxLagOnFailoverBytes());
            }
        }
    }

    /** One simulated keeper. */
    private static final class Sim {
        final String name;
        boolean alive = true;
        long heartbeatAge;
        boolean podTerminated;
        PostgresRole role = PostgresRole.NONE;
        MemberState state = MemberState.INITIALIZING;
        String sysid;
        int timeline;
        long lsn;
        long finalLsn;
        String upstream;
        List<String> applied = List.of();

        Sim(String name) {
            this.name = name;
        }

        KeeperStatus status(ClusterState cluster) {
            return KeeperStatus.starting(name, "127.0.0.1", 5432, 8008).toBuilder()
                    .role(role).state(state).healthy(role != PostgresRole.NONE).systemIdentifier(sysid).timeline(timeline)
                    .writeLsn(new Lsn(lsn)).flushLsn(new Lsn(lsn)).replayLsn(new Lsn(lsn)).finalLsn(new Lsn(finalLsn))
                    .upstream(role == PostgresRole.STANDBY ? upstream : null)
                    .synchronousStandbys(role == PostgresRole.PRIMARY ? applied : List.of())
                    .generationApplied(cluster.generation()).build();
        }
    }
}

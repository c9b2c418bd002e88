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
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * The planner's safety rules over random cluster histories: keepers crash, stop, come back, write and lag;
 * time passes; operators ask for switchovers; pgpilot's objects are deleted, corrupted or all lost at once
 * (a namespace re-created over the volumes). After every decision the rules below must hold: no two members
 * ever write under one epoch, a new term starts above every epoch the cluster knows of, epochs and generations
 * never go back, a lease moves only on evidence, and in synchronous mode no promotion loses a commit that was
 * acknowledged.
 */
class PlannerPropertiesTest {

    private static final List<String> NAMES = List.of("k0", "k1", "k2", "k3");

    @Property(tries = 1000)
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
        /** C-state in the API; null when deleted. */
        ClusterState state = ClusterState.INITIAL;
        boolean stateCorrupt;
        /** The last C-state the keepers accepted: they keep it while the API's is missing, unreadable or stale. */
        ClusterState acted = ClusterState.INITIAL;
        /** The sentinel has read a C-state (since its last restart): a missing one is then a deletion. */
        boolean sentinelSawState;
        boolean leaseExists;
        String holder;
        long leaseEpoch;
        long leaseAge;
        /** The highest epoch the sentinel saw on the Lease (forgotten when it restarts). */
        long sentinelLeaseEpoch;
        /** The highest synchronously acknowledged position. */
        long acknowledgedSync;
        /** Keepers whose status Lease was deleted; they publish it again at their next heartbeat. */
        final java.util.Set<String> statusDeleted = new java.util.HashSet<>();
        final Map<String, Sim> keepers = new HashMap<>();
        final Map<Long, String> holderOfEpoch = new HashMap<>();
        /** The volumes of members retired from the plan, kept as a StatefulSet keeps them. */
        final Map<String, Sim> volumes = new HashMap<>();
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
            if (kind == 9 && arg % 5 != 0) {
                loseObjects(arg);
                converge();
                return;
            }
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
                        // A StatefulSet keeps a member's volume when it scales down: it comes back with its data.
                        String name = NAMES.get(arg % NAMES.size());
                        Sim back = volumes.getOrDefault(name, new Sim(name));
                        back.alive = true;
                        back.heartbeatAge = 0;
                        back.podTerminated = false;
                        back.role = PostgresRole.NONE;
                        back.state = MemberState.INITIALIZING;
                        keepers.put(name, back);
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
                    if (k != null && k.alive && k.role == PostgresRole.PRIMARY && arg % 7 < 3) {
                        k.role = PostgresRole.NONE; // PostgreSQL crashed under a live keeper
                        k.state = MemberState.FAILED;
                    }
                }
            }
            converge();
        }

        /** Someone deletes or corrupts pgpilot's objects, or the whole namespace goes. */
        void loseObjects(int arg) {
            switch ((arg / 5) % 5) {
                case 0 -> leaseExists = false;
                case 1 -> state = null;
                case 2 -> stateCorrupt = state != null;
                case 3 -> statusDeleted.add(NAMES.get(arg % 3));
                default -> {
                    // The namespace re-created over the volumes: every object gone, the sentinels restarted, the
                    // keepers restarted on their data (what they keep on disk: data, positions, the marks).
                    state = null;
                    stateCorrupt = false;
                    leaseExists = false;
                    holder = null;
                    sentinelSawState = false;
                    sentinelLeaseEpoch = 0;
                    leaseAge = 0;
                    acted = ClusterState.INITIAL;
                    for (Sim s : keepers.values()) {
                        s.role = PostgresRole.NONE;
                        s.state = MemberState.INITIALIZING;
                        s.heartbeatAge = s.alive ? 0 : s.heartbeatAge;
                        s.podTerminated = false;
                        s.heldEpoch = 0;
                    }
                }
            }
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
            leaseAge = leaseExists && h != null && h.alive && h.role == PostgresRole.PRIMARY ? 0 : leaseAge + ms;
        }

        void write(int bytes) {
            Sim p = holder == null ? null : keepers.get(holder);
            if (p == null || !p.alive || p.role != PostgresRole.PRIMARY || !p.name.equals(acted.primary())) {
                return;
            }
            List<Sim> applied = p.applied.stream().map(keepers::get).filter(s -> s != null && s.alive && s.role == PostgresRole.STANDBY).toList();
            if (acted.synchronousQuorum() > 0 && applied.size() < acted.synchronousQuorum()) {
                return; // commits block: not enough synchronous standbys
            }
            p.lsn += bytes;
            // Synchronous: the commit is acknowledged once `quorum` members of the applied set have it.
            List<Sim> shuffled = new ArrayList<>(applied);
            java.util.Collections.shuffle(shuffled, random);
            for (int i = 0; i < Math.min(acted.synchronousQuorum(), shuffled.size()); i++) {
                shuffled.get(i).lsn = p.lsn;
            }
            if (acted.synchronousQuorum() > 0 && !applied.isEmpty()) {
                acknowledgedSync = Math.max(acknowledgedSync, p.lsn);
            }
            for (Sim s : keepers.values()) {
                if (s.alive && s.role == PostgresRole.STANDBY && random.nextBoolean()) {
                    s.lsn = Math.max(s.lsn, p.lsn - random.nextInt(2000));
                }
            }
        }

        /** Keepers do what the plan says, as far as they can. */
        void converge() {
            // What the keepers decide on: C-state when it is readable and not below what they have read.
            if (state != null && !stateCorrupt) {
                long generations = keepers.values().stream().mapToLong(x -> x.generationSeen).max().orElse(0);
                if (state.generation() >= generations) {
                    acted = state;
                }
            }
            Sim current = holder == null ? null : keepers.get(holder);
            if (!leaseExists && current != null && current.alive && current.role == PostgresRole.PRIMARY && current.heldEpoch == acted.epoch()
                    && current.name.equals(acted.primary()) && leaseAge < spec.renewDeadlineMs()) {
                leaseExists = true;   // the serving primary re-creates its deleted Lease at the epoch it holds
                leaseAge = 0;
            }
            statusDeleted.clear();   // and every keeper publishes its status again
            for (Sim k : keepers.values()) {
                if (!k.alive) {
                    continue;
                }
                if (acted.epoch() > 0) {
                    k.epochSeen = Math.max(k.epochSeen, acted.epoch());
                    k.generationSeen = Math.max(k.generationSeen, acted.generation());
                }
                if (leaseExists) {
                    k.epochSeen = Math.max(k.epochSeen, leaseEpoch);
                }
                MemberPlan plan = acted.planFor(k.name);
                if (plan == null) {
                    continue;
                }
                boolean mayWrite = k.name.equals(holder) && k.name.equals(acted.primary())
                        && (leaseExists ? leaseEpoch >= acted.epoch() : k.heldEpoch == acted.epoch() && leaseAge < spec.renewDeadlineMs());
                if (plan.role() == Role.PRIMARY && mayWrite && k.state != MemberState.FAILED) {
                    if (k.sysid == null) {
                        k.sysid = Fixture.SYSID; // initdb
                        k.timeline = 1;
                    } else if (k.role != PostgresRole.PRIMARY) {
                        k.timeline = k.timeline + 1; // promotion: the new timeline begins where its WAL ends
                        k.termStart = k.lsn;
                    }
                    k.role = PostgresRole.PRIMARY;
                    k.state = MemberState.RUNNING;
                    k.finalLsn = 0;   // a running server has no final position (the keeper publishes zero)
                    k.applied = acted.synchronousStandbys();
                    k.heldEpoch = leaseExists ? leaseEpoch : k.heldEpoch;
                    claim(k.heldEpoch, k.name);   // it writes under this epoch: nobody else ever may
                } else if (k.role == PostgresRole.PRIMARY && plan.role() == Role.PRIMARY && !mayWrite) {
                    k.role = PostgresRole.NONE;   // may not write: it stops (fenced)
                    k.state = MemberState.FENCED;
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
                views.put(k.name, statusDeleted.contains(k.name) ? KeeperView.corrupt(k.name, "its status Lease is missing", k.heartbeatAge)
                        : KeeperView.of(k.status(acted), k.heartbeatAge).withPod(k.podTerminated, false));
            }
            PrimaryLeaseView lease = !leaseExists ? PrimaryLeaseView.missing(sentinelLeaseEpoch, leaseAge)
                    : holder == null ? PrimaryLeaseView.released(leaseEpoch, leaseAge) : PrimaryLeaseView.held(holder, leaseEpoch, leaseAge);
            if (leaseExists) {
                sentinelLeaseEpoch = Math.max(sentinelLeaseEpoch, leaseEpoch);
            }
            ClusterState read = state == null || stateCorrupt ? ClusterState.INITIAL : state;
            String problem = stateCorrupt && state != null ? "unreadable" : state == null && sentinelSawState ? "deleted" : null;
            sentinelSawState |= state != null && !stateCorrupt;
            return new PlannerInput(spec, read, problem, lease, views, request, "t");
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
                grant(create.holder(), create.epoch(), in, d);
            } else if (d.leaseAction() instanceof LeaseAction.Transfer transfer) {
                assertThat(transfer.fromEpoch()).isEqualTo(leaseEpoch);
                grant(transfer.holder(), transfer.epoch(), in, d);
            }
            if (d.next() != null) {
                state = d.next();
                stateCorrupt = false;
                if (state.epoch() > 0) {
                    assertThat(state.epoch()).as("a C-state epoch never goes behind what a member has seen: " + d.describe())
                            .isGreaterThanOrEqualTo(highestEpochSeen());
                }
            }
            if (d.requestAnswer() != null) {
                request = null;
            }
            d.retired().forEach(name -> volumes.put(name, keepers.remove(name)));
            converge();
        }

        /** The highest epoch the planner's input tells of: every new term must start above it. */
        private long known(PlannerInput in) {
            return Epochs.highest(in);
        }

        /** The highest epoch any member has seen, with the volumes kept for members that left. */
        private long highestEpochSeen() {
            return java.util.stream.Stream.concat(keepers.values().stream(), volumes.values().stream())
                    .mapToLong(x -> Math.max(x.epochSeen, x.heldEpoch)).max().orElse(0);
        }

        /** The Lease is given to {@code to} at {@code epoch}: never an epoch given before, never to a second member. */
        private void grant(String to, long epoch, PlannerInput in, Decision d) {
            boolean sameTerm = (to.equals(holder) && epoch == leaseEpoch) || (to.equals(in.state().primary()) && epoch == in.state().epoch());
            if (!sameTerm) {
                assertThat(epoch).as("and above every epoch written while a member could see it").isGreaterThan(highestEpochSeen());
                assertThat(epoch).as("a new term starts above every epoch the cluster knows of").isGreaterThan(known(in));
            }
            Sim next = keepers.get(to);
            boolean forced = in.request() != null && in.request().force();
            if (spec.synchronousMode() && !to.equals(in.state().primary()) && next != null && !forced) {
                assertThat(next.lsn).as("synchronous mode: " + to + " given the Lease without every acknowledged commit ("
                        + acknowledgedSync + "): " + d.describe() + "; members " + keepers.values().stream().map(x -> x.name + (x.alive ? "" : "(dead)")
                        + " lsn " + x.lsn + " tl " + x.timeline + " " + x.role).toList()).isGreaterThanOrEqualTo(acknowledgedSync);
            }
            leaseExists = true;
            holder = to;
            leaseEpoch = epoch;
            leaseAge = 0;
        }

        private void claim(long epoch, String newHolder) {
            String previous = holderOfEpoch.putIfAbsent(epoch, newHolder);
            assertThat(previous == null || previous.equals(newHolder)).as("epoch " + epoch + " already written under by " + previous
                    + ", now by " + newHolder).isTrue();
        }

        private void check(PlannerInput in, Decision d) {
            ClusterState before = in.state();
            if (d.next() != null && d.next().epoch() > 0) {
                assertThat(d.next().generation()).as("generations only increase").isGreaterThan(before.generation());
                assertThat(d.next().epoch()).as("epochs only increase").isGreaterThanOrEqualTo(before.epoch());
                long generations = in.keepers().values().stream().filter(KeeperView::readable).mapToLong(k -> k.status().generationSeen())
                        .max().orElse(0);
                assertThat(d.next().generation()).as("above every generation a member it can read has read: " + d.describe()).isGreaterThan(generations);
            }
            if (!(d.leaseAction() instanceof LeaseAction.Transfer transfer) || before.primary() == null) {
                return;
            }
            String to = transfer.holder();
            if (to.equals(before.primary())) {
                return;   // the Lease restored to C-state's own primary: not a promotion
            }
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
        /** The epoch of the Lease it last held as primary; the marks it keeps on its volume. */
        long heldEpoch;
        /** As primary: where its timeline began, which it publishes in its timeline history. */
        long termStart;
        long epochSeen;
        long generationSeen;

        Sim(String name) {
            this.name = name;
        }

        KeeperStatus status(ClusterState cluster) {
            return KeeperStatus.starting(name, "127.0.0.1", 5432, 8008).toBuilder()
                    .role(role).state(state).healthy(role != PostgresRole.NONE).systemIdentifier(sysid).timeline(timeline)
                    .writeLsn(new Lsn(lsn)).flushLsn(new Lsn(lsn)).replayLsn(new Lsn(lsn)).finalLsn(new Lsn(finalLsn))
                    .upstream(role == PostgresRole.STANDBY ? upstream : null)
                    .synchronousStandbys(role == PostgresRole.PRIMARY ? applied : List.of())
                    .epoch(role == PostgresRole.PRIMARY ? heldEpoch : 0).epochSeen(epochSeen).generationSeen(generationSeen)
                    .timelineHistory(role == PostgresRole.PRIMARY && timeline > 1 ? Map.of(timeline - 1, new Lsn(termStart)) : Map.of())
                    .generationApplied(cluster.generation()).build();
        }
    }
}

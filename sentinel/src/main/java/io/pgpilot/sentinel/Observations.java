package io.pgpilot.sentinel;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.sentinel.planner.KeeperView;
import io.pgpilot.sentinel.planner.PlannerInput;
import io.pgpilot.sentinel.planner.PrimaryLeaseView;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.PodView;
import io.pgpilot.store.Read;
import io.pgpilot.time.LeaseObserver;
import io.pgpilot.time.MonotonicClock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns what the sentinel read into the planner's input, adding what only this process can know: how long
 * ago, by its own monotonic clock, each Lease last changed, and whether a pod restarted since the primary
 * Lease last moved. Remote timestamps are never used.
 */
final class Observations {

    private final LeaseObserver observer;
    private final String primaryLeaseName;
    private final java.util.function.UnaryOperator<String> keeperLeaseName;
    /** Keeper Leases this sentinel has seen change at least once (see {@link KeeperView#heartbeatSeen()}). */
    private final Set<String> seenChanging = new HashSet<>();
    private final Map<String, String> firstVersions = new HashMap<>();
    /** Each pod's restart count when this sentinel last saw the primary Lease change. */
    private final Map<String, Integer> restartBaseline = new HashMap<>();
    private String lastPrimaryVersion;
    /** The last reads failed (see {@link #readsFailed}). */
    private boolean readsFailed;
    /** The highest epoch this sentinel has seen on the primary Lease. */
    private long highestLeaseEpoch;

    Observations(MonotonicClock clock, String primaryLeaseName, java.util.function.UnaryOperator<String> keeperLeaseName) {
        this.observer = new LeaseObserver(clock);
        this.primaryLeaseName = primaryLeaseName;
        this.keeperLeaseName = keeperLeaseName;
    }

    /**
     * This sentinel's reads failed: the API server did not answer. Leases it could not see being renewed
     * meanwhile were not seen to stop either, so an outage of its own reads is no evidence that a primary died:
     * at the next reading every Lease's age starts again from zero.
     */
    synchronized void readsFailed() {
        readsFailed = true;
    }

    synchronized PlannerInput observe(ClusterSpec spec, ClusterState state, String stateProblem, Read<PrimaryLease> lease,
                                      List<KeeperRecord> keepers, List<PodView> pods, OperatorRequest request, String wallClock) {
        if (readsFailed) {
            observer.forgetAll();
            readsFailed = false;
        }
        PrimaryLeaseView leaseView;
        boolean primaryChanged = false;
        if (lease instanceof Read.Found<PrimaryLease> found) {
            observer.observe(primaryLeaseName, found.resourceVersion());
            primaryChanged = !found.resourceVersion().equals(lastPrimaryVersion);
            lastPrimaryVersion = found.resourceVersion();
            PrimaryLease value = found.value();
            highestLeaseEpoch = Math.max(highestLeaseEpoch, value.epoch());
            long age = observer.millisSinceChange(primaryLeaseName);
            leaseView = value.isReleased() ? PrimaryLeaseView.released(value.epoch(), age) : PrimaryLeaseView.held(value.holder(), value.epoch(), age);
        } else {
            // A deleted Lease has not been renewed since it was last seen: its age goes on from that sighting, so
            // its holder's expiry comes no sooner and no later than if the object were still there. A sentinel
            // that never saw it gives it a full duration from now.
            if (observer.millisSinceChange(primaryLeaseName) < 0) {
                observer.observe(primaryLeaseName, "missing");
            }
            leaseView = PrimaryLeaseView.missing(highestLeaseEpoch, observer.millisSinceChange(primaryLeaseName));
        }
        Map<String, PodView> podsByName = new HashMap<>();
        for (PodView pod : pods) {
            podsByName.put(pod.name(), pod);
            Integer baseline = restartBaseline.get(pod.name());
            if (baseline == null || primaryChanged) {
                // The primary renewed (or this pod is new): whatever restarted before is alive again.
                restartBaseline.put(pod.name(), pod.restarts());
            }
        }
        Map<String, KeeperView> views = new HashMap<>();
        Set<String> present = new HashSet<>();
        for (KeeperRecord record : keepers) {
            String name = record.leaseName();
            present.add(name);
            observer.observe(name, record.resourceVersion());
            String first = firstVersions.putIfAbsent(name, record.resourceVersion());
            if (first != null && !first.equals(record.resourceVersion())) {
                seenChanging.add(name);
            }
            long age = observer.millisSinceChange(name);
            KeeperView view;
            if (record.status() instanceof Read.Found<KeeperStatus> found) {
                view = KeeperView.of(found.value(), age);
            } else if (record.status() instanceof Read.Corrupt<KeeperStatus> corrupt) {
                view = KeeperView.corrupt(record.keeper(), corrupt.problem(), age);
            } else {
                view = KeeperView.corrupt(record.keeper(), "no status", age);
            }
            PodView pod = podsByName.get(record.keeper());
            if (pod != null) {
                Integer baseline = restartBaseline.get(pod.name());
                view = view.withPod(pod.keeperTerminated(), baseline != null && pod.restarts() > baseline);
            }
            views.put(record.keeper(), view.withHeartbeatSeen(seenChanging.contains(name)));
        }
        for (String member : state.members().keySet()) {
            // A planned member whose status Lease vanished is a member not heard from since it was last seen,
            // not one that left: it is retired only after departedKeeperGraceMs, like any silent member.
            String name = keeperLeaseName.apply(member);
            if (!views.containsKey(member)) {
                if (observer.millisSinceChange(name) < 0) {
                    observer.observe(name, "missing");
                }
                views.put(member, KeeperView.corrupt(member, "its status Lease is missing", observer.millisSinceChange(name)));
            }
        }
        firstVersions.keySet().removeIf(name -> !present.contains(name));
        seenChanging.removeIf(name -> !present.contains(name));
        return new PlannerInput(spec, state, stateProblem, leaseView, views, request, wallClock);
    }

    synchronized void forgetKeeper(String leaseName) {
        observer.forget(leaseName);
        firstVersions.remove(leaseName);
        seenChanging.remove(leaseName);
    }
}

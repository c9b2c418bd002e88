package io.pgpilot.drills.chaos;

import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.drills.LocalProcesses;
import io.pgpilot.process.Signal;
import io.pgpilot.process.Signals;
import io.pgpilot.store.ClusterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Carries out a planned fault on the local cluster's processes and records it. A lasting fault (a stop)
 * holds for its duration and is then continued; the call returns when the fault is over.
 */
final class FaultInjector {

    private final LocalProcesses processes;
    private final ClusterStore store;
    private final String cluster;
    private final List<String> keepers;
    /** The cluster's status as last read: used to aim when the API server cannot be read (it may be stalled). */
    private final Supplier<StatusReport> lastStatus;

    FaultInjector(LocalProcesses processes, ClusterStore store, String cluster, List<String> keepers, Supplier<StatusReport> lastStatus) {
        this.processes = processes;
        this.store = store;
        this.cluster = cluster;
        this.keepers = List.copyOf(keepers);
        this.lastStatus = lastStatus;
    }

    History.Fault inject(int number, FaultSchedule.Planned p) {
        String target;
        String role;
        if (p.kind().aimsAtMember()) {
            StatusReport status = lastStatus.get();
            String primary = status == null || status.primary() == null ? keepers.get(0) : status.primary();
            List<String> standbys = keepers.stream().filter(k -> !k.equals(primary)).toList();
            boolean atPrimary = p.aim() == FaultSchedule.Aim.PRIMARY || standbys.isEmpty();
            target = atPrimary ? primary : standbys.get(p.standbyIndex() % standbys.size());
            role = atPrimary ? "primary" : "standby";
        } else if (p.kind() == FaultKind.KILL_SENTINEL_LEADER) {
            target = leader();
            role = "leader";
        } else if (p.kind() == FaultKind.KILL_PROXY) {
            target = cluster + "-proxy";
            role = "proxy";
        } else {
            target = "api-server";
            role = "API server";
        }
        long start = System.nanoTime();
        switch (p.kind()) {
            case KILL_KEEPER -> processes.signalJvm(target, Signal.KILL);
            case KILL_POSTGRES -> processes.signalPostmaster(target, Signal.KILL);
            case TERM_KEEPER -> processes.signalJvm(target, Signal.TERM);
            case KILL_SENTINEL_LEADER, KILL_PROXY -> processes.signalJvm(target, Signal.KILL);
            case FREEZE_KEEPER, STALL_API -> {
                OptionalLong pid = processes.jvm(target);
                pid.ifPresent(pidValue -> hold(List.of(pidValue), p.durationMs()));
            }
            case FREEZE_POSTGRES -> hold(postgresProcesses(target), p.durationMs());
        }
        return new History.Fault(number, p.kind(), target, role, start, System.nanoTime());
    }

    private String leader() {
        try {
            return store.sentinelLeader().orElse(cluster + "-sentinel-0");
        } catch (RuntimeException e) {
            return cluster + "-sentinel-0";
        }
    }

    /** The postmaster of {@code keeper} and every process under it: a whole PostgreSQL, frozen at once. */
    private List<Long> postgresProcesses(String keeper) {
        List<Long> pids = new ArrayList<>();
        processes.postmaster(keeper).ifPresent(pid -> {
            pids.add(pid);
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        });
        return pids;
    }

    /** SIGSTOP to every one of {@code pids}, SIGCONT after {@code millis}, however the wait ends. */
    private static void hold(List<Long> pids, long millis) {
        pids.forEach(pid -> Signals.send(pid, Signal.STOP));
        try {
            Thread.sleep(millis);   // the fault's duration, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pids.forEach(pid -> Signals.send(pid, Signal.CONT));
        }
    }
}

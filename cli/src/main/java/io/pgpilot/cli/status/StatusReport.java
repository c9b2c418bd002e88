package io.pgpilot.cli.status;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.PodView;
import io.pgpilot.store.Read;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code pgpilot status} shows. The JSON field names are an interface: scripts read them, so they
 * change only with a note in the docs.
 */
public record StatusReport(String cluster, String phase, String reason, String primary, long epoch, List<Member> members) {

    /**
     * @param role  primary or standby: what PostgreSQL really is when it runs, else what the sentinel planned
     * @param state initializing, cloning, rewinding, streaming, running, stopped, failed, fenced (or unknown
     *              when the status annotation cannot be read)
     */
    public record Member(String name, String role, String state, long pid, String host, int port, int timeline, String lsn,
                         long lagBytes, double lagSeconds) {
    }

    /** Reads everything the report shows from the cluster's objects. */
    public static StatusReport read(ClusterStore store) {
        return of(store.names().cluster(), store.readState(), store.readPrimaryLease(), store.listKeepers(), store.listKeeperPods());
    }

    /** Builds the report from what the store returned; pure, so every combination is testable. */
    public static StatusReport of(String cluster, Read<ClusterState> state, Read<PrimaryLease> lease, List<KeeperRecord> keepers,
                                  List<PodView> pods) {
        ClusterState decided = state instanceof Read.Found<ClusterState> found ? found.value() : null;
        PrimaryLease primaryLease = lease instanceof Read.Found<PrimaryLease> found ? found.value() : null;
        Map<String, PodView> podsByName = new TreeMap<>();
        pods.forEach(pod -> podsByName.put(pod.name(), pod));
        String primary = primaryLease != null ? primaryLease.holder() : decided == null ? null : decided.primary();
        KeeperStatus primaryStatus = keepers.stream().filter(k -> k.keeper().equals(primary) && k.status() instanceof Read.Found<KeeperStatus>)
                .map(k -> k.status().orElseThrow()).filter(k -> k.role() == PostgresRole.PRIMARY).findFirst().orElse(null);
        Map<String, Member> members = new TreeMap<>();
        for (KeeperRecord record : keepers) {
            MemberPlan plan = decided == null ? null : decided.planFor(record.keeper());
            members.put(record.keeper(), member(record, plan, podsByName.get(record.keeper()), primaryStatus));
        }
        if (decided != null) {
            decided.members().forEach((name, plan) -> members.computeIfAbsent(name, n ->
                    new Member(n, plan.role().name().toLowerCase(Locale.ROOT), "initializing", 0, null, 0, 0, null, 0, 0)));
        }
        String phase = decided == null ? (state instanceof Read.Corrupt ? "unknown" : "initializing") : decided.phase().name().toLowerCase(Locale.ROOT);
        String reason = state instanceof Read.Corrupt<ClusterState> corrupt ? corrupt.describe() + "; the leading sentinel sets it aside and rebuilds it"
                : decided == null ? "no decision yet" : decided.reason();
        long epoch = primaryLease != null ? primaryLease.epoch() : decided == null ? 0 : decided.epoch();
        return new StatusReport(cluster, phase, reason, primary, epoch, new ArrayList<>(members.values()));
    }

    /**
     * @param primary the primary's status when it reports itself running as one: a member it sees streaming
     *                while that member's own keeper has published nothing since it stopped (a restarted
     *                member's PostgreSQL streams a second or more before its keeper has started) is shown
     *                streaming, at the position the primary sees it replay
     */
    private static Member member(KeeperRecord record, MemberPlan plan, PodView pod, KeeperStatus primary) {
        String plannedRole = plan == null ? "standby" : plan.role().name().toLowerCase(Locale.ROOT);
        if (!(record.status() instanceof Read.Found<KeeperStatus> found)) {
            return new Member(record.keeper(), plannedRole, "unknown", 0, null, 0, 0, null, 0, 0);
        }
        KeeperStatus status = found.value();
        String role = status.role() == PostgresRole.NONE ? plannedRole : status.role().name().toLowerCase(Locale.ROOT);
        String state = status.state().label();
        long pid = status.pid();
        String lsn = status.role() == PostgresRole.STANDBY ? status.replayLsn().toString() : status.flushLsn().toString();
        long lagBytes = status.lagBytes();
        int timeline = status.timeline();
        Lsn seenStreaming = primary == null ? null : primary.streamingStandbys().get(record.keeper());
        if (pod != null && pod.keeperTerminated()) {
            // Kubernetes knows the container is gone; the last heartbeat may still say it ran.
            state = status.state() == MemberState.STOPPED ? MemberState.STOPPED.label() : MemberState.FAILED.label();
            pid = 0;
        } else if (seenStreaming != null && (status.state() == MemberState.STOPPED || status.state() == MemberState.INITIALIZING)) {
            role = PostgresRole.STANDBY.name().toLowerCase(Locale.ROOT);
            state = MemberState.STREAMING.label();
            lsn = seenStreaming.toString();
            lagBytes = primary.receivedLsn().bytesAfter(seenStreaming);
            timeline = primary.timeline();
        }
        return new Member(status.name(), role, state, pid, status.host(), status.port(), timeline, lsn, lagBytes, status.lagSeconds());
    }

    /** A primary is named and every other member streams: the cluster is whole. */
    public boolean everyStandbyStreaming() {
        return primary != null && members.stream().filter(m -> !m.name().equals(primary)).allMatch(m -> "streaming".equals(m.state()));
    }

    /** The member C-state names primary reports itself running as one. */
    public boolean primaryReportsItself() {
        return primary != null && members.stream().anyMatch(m -> m.name().equals(primary) && "primary".equals(m.role()));
    }

    /** The table {@code pgpilot status} prints. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append("cluster ").append(cluster).append("  phase ").append(phase).append("  primary ").append(primary == null ? "-" : primary)
                .append("  epoch ").append(epoch).append('\n');
        if (reason != null && !reason.isBlank()) {
            out.append("reason: ").append(reason).append('\n');
        }
        String format = "%-20s %-8s %-12s %8s %-15s %6s %3s %-14s %12s %9s%n";
        out.append(String.format(Locale.ROOT, format, "NAME", "ROLE", "STATE", "PID", "HOST", "PORT", "TL", "LSN", "LAG(bytes)", "LAG(s)"));
        for (Member m : members) {
            out.append(String.format(Locale.ROOT, format, m.name(), m.role(), m.state(), m.pid() == 0 ? "-" : Long.toString(m.pid()),
                    m.host() == null ? "-" : m.host(), m.port() == 0 ? "-" : Integer.toString(m.port()),
                    m.timeline() == 0 ? "-" : Integer.toString(m.timeline()), m.lsn() == null ? "-" : m.lsn(),
                    Long.toString(m.lagBytes()), String.format(Locale.ROOT, "%.1f", m.lagSeconds())));
        }
        return out.toString();
    }
}

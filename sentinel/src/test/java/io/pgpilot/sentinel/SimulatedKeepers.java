package io.pgpilot.sentinel;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keepers simulated by writing their status Leases directly (and renewing the primary Lease as its holder),
 * so the sentinel can be tested without PostgreSQL. Each call is one heartbeat.
 */
final class SimulatedKeepers {

    static final String SYSID = "7300000000000000001";

    private final ClusterStore store;
    private final Map<String, KeeperStatus> statuses = new ConcurrentHashMap<>();

    SimulatedKeepers(ClusterStore store) {
        this.store = store;
    }

    void join(String name) {
        statuses.put(name, KeeperStatus.starting(name, "127.0.0.1", 5432, 8008));
    }

    void leave(String name) {
        statuses.remove(name);
    }

    void set(KeeperStatus status) {
        statuses.put(status.name(), status);
    }

    KeeperStatus get(String name) {
        return statuses.get(name);
    }

    /** {@code name} runs as primary, publishing the epoch of the primary Lease it holds, as a keeper does. */
    void primary(String name, long lsn) {
        long epoch = store.readPrimaryLease() instanceof Read.Found<PrimaryLease> found && found.value().isHeldBy(name) ? found.value().epoch() : 0;
        set(statuses.get(name).toBuilder().role(PostgresRole.PRIMARY).state(MemberState.RUNNING).healthy(true).systemIdentifier(SYSID)
                .timeline(1).writeLsn(new Lsn(lsn)).flushLsn(new Lsn(lsn)).replayLsn(new Lsn(lsn)).upstream(null).epoch(epoch).build());
    }

    void standby(String name, String upstream, long lsn) {
        set(statuses.get(name).toBuilder().role(PostgresRole.STANDBY).state(MemberState.STREAMING).healthy(true).systemIdentifier(SYSID)
                .timeline(1).writeLsn(new Lsn(lsn)).flushLsn(new Lsn(lsn)).replayLsn(new Lsn(lsn)).upstream(upstream).build());
    }

    /** Every simulated keeper publishes its status once (a heartbeat: the Lease's version changes). */
    void heartbeat() {
        statuses.values().forEach(s -> store.publishKeeperStatus(s, null));
    }

    /** The one heartbeat of a single keeper. */
    void heartbeat(String name) {
        store.publishKeeperStatus(statuses.get(name), null);
    }

    /** Renews the primary Lease if {@code keeper} holds it; true when it did. */
    boolean renewAsHolder(String keeper) {
        Read<PrimaryLease> read = store.readPrimaryLease();
        if (read instanceof Read.Found<PrimaryLease> found && found.value().isHeldBy(keeper)) {
            return store.renewPrimaryLease(withVersion(found), keeper).succeeded();
        }
        return false;
    }

    boolean release(String keeper) {
        Read<PrimaryLease> read = store.readPrimaryLease();
        return read instanceof Read.Found<PrimaryLease> found && store.releasePrimaryLease(withVersion(found), keeper).succeeded();
    }

    private static PrimaryLease withVersion(Read.Found<PrimaryLease> found) {
        return found.value();
    }
}

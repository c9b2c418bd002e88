package io.pgpilot.drills;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.Read;
import java.util.HashMap;
import java.util.Map;

/**
 * One of pgpilot's objects lost from a healthy cluster, as a namespace clean-up, GitOps pruning or a
 * mistaken {@code kubectl delete} does it: what to delete (or corrupt), and when the cluster has healed.
 */
public enum ObjectLoss {

    PRIMARY_LEASE("the primary Lease deleted"),
    STATE("C-state deleted"),
    UNREADABLE_STATE("C-state made unreadable"),
    PRIMARY_STATUS_LEASE("the primary's status Lease deleted"),
    STANDBY_STATUS_LEASE("a standby's status Lease deleted"),
    SENTINEL_LEASE("the sentinels' election Lease deleted"),
    SPEC("the spec ConfigMap deleted");

    private final String description;

    ObjectLoss(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** What a healthy cluster looked like before the loss: its primary, the primary Lease's epoch, a standby. */
    public record Before(String primary, long epoch, String standby, ConfigMap spec) {
    }

    public static Before observe(ClusterStore store) {
        ClusterState state = store.readState().orElseThrow();
        PrimaryLease lease = store.readPrimaryLease().orElseThrow();
        String standby = state.members().keySet().stream().filter(m -> !m.equals(state.primary())).sorted().findFirst().orElseThrow();
        ConfigMap spec = store.client().configMaps().inNamespace(store.namespace()).withName(store.names().specConfigMap()).get();
        return new Before(state.primary(), lease.epoch(), standby, spec);
    }

    /** Deletes or corrupts the object. */
    public void inflict(ClusterStore store, Before before) {
        KubernetesClient client = store.client();
        String ns = store.namespace();
        ObjectNames names = store.names();
        switch (this) {
            case PRIMARY_LEASE -> client.leases().inNamespace(ns).withName(names.primaryLease()).delete();
            case STATE -> client.configMaps().inNamespace(ns).withName(names.stateConfigMap()).delete();
            case UNREADABLE_STATE -> {
                ConfigMap cm = client.configMaps().inNamespace(ns).withName(names.stateConfigMap()).get();
                Map<String, String> data = new HashMap<>(cm.getData());
                data.put(ObjectNames.STATE_KEY, "{\"generation\": \"garbage");
                cm.setData(data);
                client.configMaps().inNamespace(ns).resource(cm).update();
            }
            case PRIMARY_STATUS_LEASE -> client.leases().inNamespace(ns).withName(names.keeperLease(before.primary())).delete();
            case STANDBY_STATUS_LEASE -> client.leases().inNamespace(ns).withName(names.keeperLease(before.standby())).delete();
            case SENTINEL_LEASE -> client.leases().inNamespace(ns).withName(names.sentinelLease()).delete();
            case SPEC -> client.configMaps().inNamespace(ns).withName(names.specConfigMap()).delete();
        }
    }

    /**
     * Whether pgpilot has put things right: the object is back (re-created by its owner, or rebuilt) and the
     * same primary holds the same term. A deleted spec belongs to its user: pgpilot keeps the last valid one in
     * force and says so in an Event; the drill then creates it again, as {@code helm upgrade} would.
     */
    public boolean healed(ClusterStore store, Before before) {
        KubernetesClient client = store.client();
        String ns = store.namespace();
        ObjectNames names = store.names();
        boolean sameTerm = store.readPrimaryLease() instanceof Read.Found<PrimaryLease> lease && lease.value().isHeldBy(before.primary())
                && lease.value().epoch() == before.epoch()
                && store.readState() instanceof Read.Found<ClusterState> state && before.primary().equals(state.value().primary())
                && state.value().epoch() == before.epoch();
        return sameTerm && switch (this) {
            case PRIMARY_LEASE, STATE -> true;
            case UNREADABLE_STATE -> client.configMaps().inNamespace(ns).list().getItems().stream()
                    .anyMatch(c -> c.getMetadata().getName().startsWith(names.stateConfigMap() + "-unreadable-"));
            case PRIMARY_STATUS_LEASE -> published(store, before.primary());
            case STANDBY_STATUS_LEASE -> published(store, before.standby());
            case SENTINEL_LEASE -> store.sentinelLeads();
            case SPEC -> client.v1().events().inNamespace(ns).list().getItems().stream().anyMatch(e -> "SpecMissing".equals(e.getReason()));
        };
    }

    /** After {@link #healed}: puts back what belongs to the user (the spec). */
    public void restoreUsersPart(ClusterStore store, Before before) {
        if (this == SPEC) {
            ConfigMap spec = before.spec();
            spec.getMetadata().setResourceVersion(null);
            spec.getMetadata().setUid(null);
            store.client().configMaps().inNamespace(store.namespace()).resource(spec).create();
        }
    }

    private static boolean published(ClusterStore store, String keeper) {
        for (KeeperRecord record : store.listKeepers()) {
            if (record.keeper().equals(keeper) && record.status() instanceof Read.Found<KeeperStatus> found
                    && found.value().state() != MemberState.STOPPED) {
                return true;
            }
        }
        return false;
    }
}

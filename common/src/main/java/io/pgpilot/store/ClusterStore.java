package io.pgpilot.store;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.cluster.PrimaryLease;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The cluster's coordination state in the Kubernetes API: the spec and state ConfigMaps, the keepers'
 * status Leases, the primary Lease and the keepers' Pods.
 *
 * <p>Every write is a compare-and-swap on {@code metadata.resourceVersion}. A lost race comes back as
 * {@link Write.Conflict}; nothing here ever retries a write with a fresher version on the caller's behalf,
 * because the caller's decision was based on what it read.
 */
public final class ClusterStore {

    private final KubernetesClient client;
    private final String namespace;
    private final ObjectNames names;

    public ClusterStore(KubernetesClient client, String namespace, ObjectNames names) {
        this.client = client;
        this.namespace = namespace;
        this.names = names;
    }

    public ObjectNames names() {
        return names;
    }

    public String namespace() {
        return namespace;
    }

    public KubernetesClient client() {
        return client;
    }

    // ---- spec and state ConfigMaps -------------------------------------------------------------------

    /** The spec; {@link Read.Corrupt} when it does not parse or does not validate, with every problem listed. */
    public Read<ClusterSpec> readSpec() {
        return readConfigMap(names.specConfigMap(), ObjectNames.SPEC_KEY, json -> ClusterSpec.fromJson(json).validated());
    }

    public Write<ClusterSpec> createSpec(ClusterSpec spec) {
        return createConfigMap(names.specConfigMap(), "spec", ObjectNames.SPEC_KEY, spec.validated().toJson(), spec);
    }

    public Write<ClusterSpec> updateSpec(ClusterSpec spec, String resourceVersion) {
        return updateConfigMap(names.specConfigMap(), "spec", ObjectNames.SPEC_KEY, spec.validated().toJson(), spec, resourceVersion);
    }

    public Read<ClusterState> readState() {
        return readConfigMap(names.stateConfigMap(), ObjectNames.STATE_KEY, ClusterState::fromJson);
    }

    public Write<ClusterState> createState(ClusterState state) {
        return createConfigMap(names.stateConfigMap(), "state", ObjectNames.STATE_KEY, state.toJson(), state);
    }

    public Write<ClusterState> updateState(ClusterState state, String resourceVersion) {
        return updateConfigMap(names.stateConfigMap(), "state", ObjectNames.STATE_KEY, state.toJson(), state, resourceVersion);
    }

    /** The operator's latest switchover or failover request and the sentinel's answer. */
    public Read<OperatorRequest> readRequest() {
        return readConfigMap(names.requestConfigMap(), ObjectNames.REQUEST_KEY, OperatorRequest::fromJson);
    }

    /** Writes a request or its answer; {@code resourceVersion} null creates the object. */
    public Write<OperatorRequest> writeRequest(OperatorRequest request, String resourceVersion) {
        if (resourceVersion == null) {
            return createConfigMap(names.requestConfigMap(), "request", ObjectNames.REQUEST_KEY, request.toJson(), request);
        }
        return updateConfigMap(names.requestConfigMap(), "request", ObjectNames.REQUEST_KEY, request.toJson(), request, resourceVersion);
    }

    private interface Parser<T> {
        T parse(String json);
    }

    private <T> Read<T> readConfigMap(String name, String key, Parser<T> parser) {
        ConfigMap cm = call("read ConfigMap " + name, () -> client.configMaps().inNamespace(namespace).withName(name).get());
        if (cm == null) {
            return new Read.Missing<>(name);
        }
        String rv = cm.getMetadata().getResourceVersion();
        String json = cm.getData() == null ? null : cm.getData().get(key);
        if (json == null) {
            return new Read.Corrupt<>("ConfigMap " + name, "it has no data key '" + key + "'", rv);
        }
        try {
            return new Read.Found<>(name, parser.parse(json), rv);
        } catch (ClusterJson.MalformedObjectException | ClusterSpec.InvalidSpecException | IllegalArgumentException e) {
            return new Read.Corrupt<>("ConfigMap " + name, "key '" + key + "' " + e.getMessage(), rv);
        }
    }

    private <T> Write<T> createConfigMap(String name, String component, String key, String json, T value) {
        ConfigMap cm = new ConfigMapBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(names.labels(component)).endMetadata()
                .withData(Map.of(key, json))
                .build();
        return write("ConfigMap " + name, () -> client.configMaps().inNamespace(namespace).resource(cm).create(), value);
    }

    private <T> Write<T> updateConfigMap(String name, String component, String key, String json, T value, String resourceVersion) {
        ConfigMap cm = new ConfigMapBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(names.labels(component))
                .withResourceVersion(requireVersion(resourceVersion)).endMetadata()
                .withData(Map.of(key, json))
                .build();
        return write("ConfigMap " + name, () -> client.configMaps().inNamespace(namespace).resource(cm).update(), value);
    }

    /**
     * Keeps an unreadable ConfigMap for inspection before pgpilot replaces it: a copy named
     * {@code <name>-unreadable-<resourceVersion>} with the same data. Returns the copy's name; an existing
     * copy of the same version is kept as it is.
     */
    public String setAside(String name) {
        ConfigMap original = call("read ConfigMap " + name, () -> client.configMaps().inNamespace(namespace).withName(name).get());
        if (original == null) {
            return null;
        }
        String copyName = name + "-unreadable-" + original.getMetadata().getResourceVersion();
        ConfigMap copy = new ConfigMapBuilder()
                .withNewMetadata().withName(copyName).withNamespace(namespace).withLabels(names.labels("set-aside"))
                .withAnnotations(Map.of(ObjectNames.ANNOTATION_SET_ASIDE_FROM, name)).endMetadata()
                .withData(original.getData() == null ? Map.of() : original.getData())
                .build();
        write("ConfigMap " + copyName, () -> client.configMaps().inNamespace(namespace).resource(copy).create(), copyName);
        return copyName;
    }

    // ---- keeper status Leases ------------------------------------------------------------------------

    /**
     * Publishes a keeper's heartbeat and status on its own Lease, creating it the first time.
     *
     * @param lastResourceVersion the version this keeper last wrote, or null to read the current one first
     *                            (the keeper is the Lease's only writer, so after a conflict it reads and
     *                            publishes its fresh status again)
     */
    public Write<KeeperStatus> publishKeeperStatus(KeeperStatus status, String lastResourceVersion) {
        String name = names.keeperLease(status.name());
        String rv = lastResourceVersion;
        if (rv == null) {
            Lease existing = call("read Lease " + name, () -> client.leases().inNamespace(namespace).withName(name).get());
            rv = existing == null ? null : existing.getMetadata().getResourceVersion();
        }
        Lease lease = new LeaseBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(withKeeperLabel(names.labels("keeper"), status.name()))
                .withAnnotations(Map.of(ObjectNames.ANNOTATION_STATUS, status.toJson()))
                .withResourceVersion(rv).endMetadata()
                .withNewSpec().withHolderIdentity(status.name()).withRenewTime(java.time.ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
                .build();
        if (rv == null) {
            return write("Lease " + name, () -> client.leases().inNamespace(namespace).resource(lease).create(), status);
        }
        return write("Lease " + name, () -> client.leases().inNamespace(namespace).resource(lease).update(), status);
    }

    /** Every keeper Lease of this cluster, sorted by keeper name; a corrupt status is reported, not skipped. */
    public List<KeeperRecord> listKeepers() {
        List<Lease> leases = call("list keeper Leases", () -> client.leases().inNamespace(namespace)
                .withLabel(ObjectNames.LABEL_CLUSTER, names.cluster()).withLabel(ObjectNames.LABEL_COMPONENT, "keeper").list().getItems());
        List<KeeperRecord> records = new ArrayList<>();
        for (Lease lease : leases) {
            String leaseName = lease.getMetadata().getName();
            if (!leaseName.startsWith(names.keeperLeasePrefix())) {
                continue;
            }
            String keeper = leaseName.substring(names.keeperLeasePrefix().length());
            String rv = lease.getMetadata().getResourceVersion();
            records.add(new KeeperRecord(keeper, leaseName, parseStatus(lease, keeper), rv));
        }
        records.sort(Comparator.comparing(KeeperRecord::keeper));
        return records;
    }

    private static Read<KeeperStatus> parseStatus(Lease lease, String keeper) {
        String object = "Lease " + lease.getMetadata().getName();
        String rv = lease.getMetadata().getResourceVersion();
        Map<String, String> annotations = lease.getMetadata().getAnnotations();
        String json = annotations == null ? null : annotations.get(ObjectNames.ANNOTATION_STATUS);
        if (json == null) {
            return new Read.Corrupt<>(object, "it has no annotation " + ObjectNames.ANNOTATION_STATUS, rv);
        }
        try {
            KeeperStatus status = KeeperStatus.fromJson(json);
            if (!keeper.equals(status.name())) {
                return new Read.Corrupt<>(object, "annotation " + ObjectNames.ANNOTATION_STATUS + " names keeper '" + status.name() + "', not '" + keeper + "'", rv);
            }
            return new Read.Found<>(object, status, rv);
        } catch (ClusterJson.MalformedObjectException e) {
            return new Read.Corrupt<>(object, "annotation " + ObjectNames.ANNOTATION_STATUS + " " + e.getMessage(), rv);
        }
    }

    /** Removes a departed keeper's Lease (scale down). */
    public void deleteKeeper(String keeper) {
        String name = names.keeperLease(keeper);
        call("delete Lease " + name, () -> client.leases().inNamespace(namespace).withName(name).delete());
    }

    // ---- the primary Lease ---------------------------------------------------------------------------

    public Read<PrimaryLease> readPrimaryLease() {
        String name = names.primaryLease();
        Lease lease = call("read Lease " + name, () -> client.leases().inNamespace(namespace).withName(name).get());
        if (lease == null) {
            return new Read.Missing<>(name);
        }
        return new Read.Found<>(name, toPrimaryLease(lease), lease.getMetadata().getResourceVersion());
    }

    /** Grants the lease for the first time (bootstrap): epoch 1. Loses if the lease already exists. */
    public Write<PrimaryLease> createPrimaryLease(String holder) {
        return createPrimaryLease(holder, 1);
    }

    /**
     * Creates the lease for {@code holder} at {@code epoch}: a bootstrap, or a Lease that was deleted, re-created
     * by its holder at the epoch it holds or by the sentinel at a new one. Loses if the lease already exists.
     */
    public Write<PrimaryLease> createPrimaryLease(String holder, long epoch) {
        Lease lease = primaryLeaseObject(ObjectNames.checkKeeperName(holder), epoch, null, true);
        return writeLease(() -> client.leases().inNamespace(namespace).resource(lease).create());
    }

    /** The holder's renewal. Refused without a request when {@code seen} is not held by {@code keeper}. */
    public Write<PrimaryLease> renewPrimaryLease(PrimaryLease seen, String keeper) {
        if (!seen.isHeldBy(keeper)) {
            return new Write.Conflict<>(names.primaryLease(), "held by " + seen.holder() + ", not " + keeper);
        }
        Lease lease = primaryLeaseObject(keeper, seen.epoch(), seen.resourceVersion(), false);
        return writeLease(() -> client.leases().inNamespace(namespace).resource(lease).update());
    }

    /**
     * Gives the lease up so the sentinel can promote without waiting for expiry. The epoch stays: the next
     * holder gets epoch + 1 from {@link #transferPrimaryLease}.
     */
    public Write<PrimaryLease> releasePrimaryLease(PrimaryLease seen, String keeper) {
        if (!seen.isHeldBy(keeper)) {
            return new Write.Conflict<>(names.primaryLease(), "held by " + seen.holder() + ", not " + keeper);
        }
        Lease lease = primaryLeaseObject(null, seen.epoch(), seen.resourceVersion(), false);
        return writeLease(() -> client.leases().inNamespace(namespace).resource(lease).update());
    }

    /** Moves the lease to {@code newHolder} with epoch + 1, if nobody changed it since {@code seen}. */
    public Write<PrimaryLease> transferPrimaryLease(PrimaryLease seen, String newHolder) {
        return transferPrimaryLease(seen, newHolder, seen.epoch() + 1);
    }

    /** Gives the lease to {@code newHolder} at {@code epoch} (above {@code seen}'s), if nobody changed it since {@code seen}. */
    public Write<PrimaryLease> transferPrimaryLease(PrimaryLease seen, String newHolder, long epoch) {
        if (epoch <= seen.epoch()) {
            throw new IllegalArgumentException("epoch " + epoch + " is not above the lease's " + seen.epoch() + ": epochs only grow");
        }
        Lease lease = primaryLeaseObject(ObjectNames.checkKeeperName(newHolder), epoch, seen.resourceVersion(), true);
        return writeLease(() -> client.leases().inNamespace(namespace).resource(lease).update());
    }

    private Lease primaryLeaseObject(String holder, long epoch, String resourceVersion, boolean acquired) {
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(ZoneOffset.UTC);
        return new LeaseBuilder()
                .withNewMetadata().withName(names.primaryLease()).withNamespace(namespace).withLabels(names.labels("primary"))
                .withResourceVersion(resourceVersion).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseTransitions((int) epoch)
                .withRenewTime(now).withAcquireTime(acquired ? now : null).endSpec()
                .build();
    }

    private Write<PrimaryLease> writeLease(Supplier<Lease> request) {
        String object = "Lease " + names.primaryLease();
        try {
            Lease written = call("write " + object, request);
            PrimaryLease lease = toPrimaryLease(written);
            return new Write.Written<>(lease, lease.resourceVersion());
        } catch (ConflictSignal conflict) {
            return new Write.Conflict<>(object, conflict.getMessage());
        }
    }

    private static PrimaryLease toPrimaryLease(Lease lease) {
        String holder = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
        Integer transitions = lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
        return new PrimaryLease(holder == null || holder.isEmpty() ? null : holder, transitions == null ? 0 : transitions,
                lease.getMetadata().getResourceVersion());
    }

    // ---- the sentinels' election --------------------------------------------------------------------

    /**
     * Whether a sentinel leads: the election Lease names a holder. A sentinel that stops releases it, so a
     * whole-cluster stop shows at once; one that crashed leaves its name until another takes over, and the
     * caller's own bound on its wait covers that. The renew time in the Lease is not compared with this
     * machine's clock: no component judges another machine's timestamp by its own clock.
     */
    public boolean sentinelLeads() {
        return sentinelLeader().isPresent();
    }

    /** The sentinel the election Lease names, if any (see {@link #sentinelLeads}). */
    public Optional<String> sentinelLeader() {
        String name = names.sentinelLease();
        Lease lease = call("read Lease " + name, () -> client.leases().inNamespace(namespace).withName(name).get());
        String holder = lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
        return holder == null || holder.isEmpty() ? Optional.empty() : Optional.of(holder);
    }

    // ---- keeper Pods ---------------------------------------------------------------------------------

    /** The keepers' Pods as Kubernetes reports them. */
    public List<PodView> listKeeperPods() {
        List<Pod> pods = call("list keeper Pods", () -> keeperPods().list().getItems());
        List<PodView> views = new ArrayList<>();
        for (Pod pod : pods) {
            Optional<ContainerStatus> keeper = pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
                    ? Optional.empty()
                    : pod.getStatus().getContainerStatuses().stream().filter(c -> "keeper".equals(c.getName())).findFirst();
            boolean terminated = keeper.map(c -> c.getState() != null && c.getState().getTerminated() != null).orElse(false);
            int restarts = keeper.map(c -> c.getRestartCount() == null ? 0 : c.getRestartCount()).orElse(0);
            views.add(new PodView(pod.getMetadata().getName(), terminated, restarts, pod.getMetadata().getDeletionTimestamp() != null));
        }
        views.sort(Comparator.comparing(PodView::name));
        return views;
    }

    // ---- events and watches --------------------------------------------------------------------------

    /**
     * Records a decision as a Kubernetes Event on the state ConfigMap, where {@code kubectl describe} and
     * event exporters find it. Best effort: an Event that cannot be written is not a reason to undo a decision.
     */
    public void recordEvent(String component, String reason, String message, boolean warning) {
        String stamp = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        var event = new EventBuilder()
                .withNewMetadata().withName(names.cluster() + "." + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
                .withNamespace(namespace).withLabels(names.labels(component)).endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withKind("ConfigMap").withApiVersion("v1")
                        .withName(names.stateConfigMap()).withNamespace(namespace).build())
                .withReason(reason).withMessage(message).withType(warning ? "Warning" : "Normal")
                .withNewSource().withComponent("pgpilot-" + component).endSource()
                .withFirstTimestamp(stamp).withLastTimestamp(stamp).withCount(1)
                .build();
        try {
            call("record Event " + reason, () -> client.v1().events().inNamespace(namespace).resource(event).create());
        } catch (RuntimeException e) {
            // The decision stands without its Event; the log line the caller writes still says it.
        }
    }

    /** What a watched change was: a decision or a member's condition, or routine (a heartbeat, a lease renewal). */
    public enum Change {
        SIGNIFICANT,
        ROUTINE
    }

    /**
     * Calls {@code onChange} whenever a Lease or ConfigMap of this cluster is added, changed or deleted, and
     * with {@code keeperPods} whenever one of its keeper Pods is (always significant: a container that
     * terminated or restarted is evidence a failover may act on). Significant means a decision or a member's
     * condition changed: the state or spec ConfigMaps, the primary Lease's holder or epoch, a keeper's role,
     * state, timeline or final position. Callers re-read what they need: the event is only a nudge, which
     * keeps them correct when a watch drops events. Close the result to stop watching.
     */
    public AutoCloseable watch(Consumer<Change> onChange, boolean keeperPods) {
        ResourceEventHandler<HasMetadata> handler = handler(onChange);
        List<SharedIndexInformer<?>> informers = new ArrayList<>();
        try {
            informers.add(client.leases().inNamespace(namespace).withLabel(ObjectNames.LABEL_CLUSTER, names.cluster()).inform(narrow(handler), 0));
            informers.add(client.configMaps().inNamespace(namespace).withLabel(ObjectNames.LABEL_CLUSTER, names.cluster()).inform(narrow(handler), 0));
            if (keeperPods) {
                informers.add(keeperPods().inform(narrow(handler), 0));
            }
        } catch (RuntimeException e) {
            informers.forEach(SharedIndexInformer::close);
            throw e;
        }
        return () -> informers.forEach(SharedIndexInformer::close);
    }

    /**
     * Like {@link #watch} but only the significant changes: keepers and the proxy react to these at once
     * without turning every heartbeat in the cluster into a round of reads; their own timers catch the
     * routine.
     */
    public AutoCloseable watchSignificant(Runnable onChange, boolean keeperPods) {
        return watch(change -> {
            if (change == Change.SIGNIFICANT) {
                onChange.run();
            }
        }, keeperPods);
    }

    /** Calls {@code onChange} on every change to one of this cluster's keeper Pods. Close the result to stop. */
    public AutoCloseable watchKeeperPods(Runnable onChange) {
        // Every Pod change is significant (see Significance), so every one reaches onChange.
        SharedIndexInformer<Pod> informer = keeperPods().inform(narrow(handler(change -> onChange.run())), 0);
        return informer::close;
    }

    /** Tells {@code onChange} of each added, changed or deleted object, and how significant the change was. */
    private static ResourceEventHandler<HasMetadata> handler(Consumer<Change> onChange) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata obj) {
                onChange.accept(Change.SIGNIFICANT);
            }

            @Override
            public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
                onChange.accept(Significance.changed(oldObj, newObj) ? Change.SIGNIFICANT : Change.ROUTINE);
            }

            @Override
            public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
                onChange.accept(Change.SIGNIFICANT);
            }
        };
    }

    private FilterWatchListDeletable<Pod, PodList, PodResource> keeperPods() {
        return client.pods().inNamespace(namespace).withLabel(ObjectNames.LABEL_CLUSTER, names.cluster()).withLabel(ObjectNames.LABEL_COMPONENT, "keeper");
    }

    @SuppressWarnings("unchecked")
    private static <T extends HasMetadata> ResourceEventHandler<T> narrow(ResourceEventHandler<HasMetadata> handler) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
    }

    // ---- plumbing ------------------------------------------------------------------------------------

    private static String requireVersion(String resourceVersion) {
        if (resourceVersion == null || resourceVersion.isEmpty()) {
            throw new IllegalArgumentException("an update needs the resourceVersion that was read; without it the write would not be a compare-and-swap");
        }
        return resourceVersion;
    }

    private static Map<String, String> withKeeperLabel(Map<String, String> labels, String keeper) {
        Map<String, String> all = new HashMap<>(labels);
        all.put(ObjectNames.LABEL_KEEPER, keeper);
        return all;
    }

    private static <T, R> Write<T> write(String object, Supplier<R> request, T value) {
        try {
            R written = call("write " + object, request);
            return new Write.Written<>(value, ((HasMetadata) written).getMetadata().getResourceVersion());
        } catch (ConflictSignal conflict) {
            return new Write.Conflict<>(object, conflict.getMessage());
        }
    }

    /** 409 (changed, or already exists) and 404 on a write (deleted meanwhile) both mean: read again. */
    private static final class ConflictSignal extends RuntimeException {
        ConflictSignal(String message) {
            super(message, null, false, false);
        }
    }

    private static <R> R call(String what, Supplier<R> request) {
        try {
            return request.get();
        } catch (KubernetesClientException e) {
            // The mock API server says "Invalid" for both kinds of 409, so only the code is trusted.
            if (e.getCode() == 409) {
                throw new ConflictSignal("changed since it was read, or already exists (409)");
            }
            if (e.getCode() == 404 && what.startsWith("write")) {
                throw new ConflictSignal("deleted since it was read (404)");
            }
            throw new StoreUnavailableException("Kubernetes API: cannot " + what + ": "
                    + (e.getCode() > 0 ? "HTTP " + e.getCode() + " " : "") + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}

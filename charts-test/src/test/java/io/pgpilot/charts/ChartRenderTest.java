package io.pgpilot.charts;

import static io.pgpilot.charts.Workloads.container;
import static io.pgpilot.charts.Workloads.fieldRef;
import static io.pgpilot.charts.Workloads.mountAt;
import static io.pgpilot.charts.Workloads.mountOf;
import static io.pgpilot.charts.Workloads.port;
import static io.pgpilot.charts.Workloads.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.ObjectNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chart rendered by Helm for the default values and for a non-default set, read back as typed objects. */
class ChartRenderTest {

    static final ObjectNames NAMES = new ObjectNames(PgpilotChart.RELEASE);
    static RenderedChart defaults;

    @BeforeAll
    static void render() {
        defaults = PgpilotChart.render(Map.of());
    }

    static PodSpec keeperPod(RenderedChart chart) {
        return chart.get(StatefulSet.class, "demo-keeper").getSpec().getTemplate().getSpec();
    }

    static Container keeper(RenderedChart chart) {
        return container(keeperPod(chart), "keeper");
    }

    static ClusterSpec spec(RenderedChart chart, String cluster) {
        ConfigMap spec = chart.get(ConfigMap.class, new ObjectNames(cluster).specConfigMap());
        return ClusterSpec.fromJson(spec.getData().get(ObjectNames.SPEC_KEY)).validated();
    }

    @Test
    void theDefaultsRenderEveryPartOfTheCluster() {
        assertThat(defaults.objects()).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).containsExactlyInAnyOrder(
                "ServiceAccount/demo-pgpilot", "Role/demo-pgpilot", "RoleBinding/demo-pgpilot",
                "Secret/demo-secret", "ConfigMap/demo-spec",
                "Service/demo-keeper", "Service/demo-rw", "Service/demo-ro",
                "StatefulSet/demo-keeper", "Deployment/demo-sentinel", "Deployment/demo-proxy",
                "PodDisruptionBudget/demo-keeper", "PodDisruptionBudget/demo-sentinel", "PodDisruptionBudget/demo-proxy");
        assertThat(defaults.objects()).allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo(PgpilotChart.NAMESPACE));
        assertThat(defaults.get(StatefulSet.class, "demo-keeper").getSpec().getReplicas()).isEqualTo(3);
        assertThat(defaults.get(Deployment.class, "demo-sentinel").getSpec().getReplicas()).isEqualTo(2);
        assertThat(defaults.get(Deployment.class, "demo-proxy").getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void theSpecConfigMapIsAValidClusterSpecWithTheComponentsDefaults() {
        ConfigMap configMap = defaults.get(ConfigMap.class, NAMES.specConfigMap());
        assertThat(configMap.getMetadata().getLabels())
                .containsEntry(ObjectNames.LABEL_CLUSTER, "demo").containsEntry(ObjectNames.LABEL_COMPONENT, "spec");
        ClusterSpec spec = spec(defaults, "demo");
        // values.yaml repeats ClusterSpec's defaults (so users see them); they must not drift apart.
        ClusterSpec expected = new ClusterSpec(3, ClusterSpec.DEFAULT.synchronousMode(), ClusterSpec.DEFAULT.minSynchronousStandbys(),
                ClusterSpec.DEFAULT.strictSynchronous(), ClusterSpec.DEFAULT.maxLagOnFailoverBytes(), ClusterSpec.DEFAULT.maxLagForReadsBytes(),
                ClusterSpec.DEFAULT.renewIntervalMs(), ClusterSpec.DEFAULT.renewDeadlineMs(), ClusterSpec.DEFAULT.leaseDurationMs(),
                ClusterSpec.DEFAULT.departedKeeperGraceMs(), ClusterSpec.DEFAULT.pause(), Map.of(),
                List.of("host all all 0.0.0.0/0 scram-sha-256", "host all all ::/0 scram-sha-256"), true);
        assertThat(spec).isEqualTo(expected);
    }

    @Test
    void keepersGetTheirIdentityAddressesAndPasswordsAsTheKeeperReadsThem() {
        Container keeper = keeper(defaults);
        PodSpec pod = keeperPod(defaults);
        assertThat(value(keeper, "PGPILOT_CLUSTER")).isEqualTo("demo");
        assertThat(fieldRef(keeper, "PGPILOT_NAMESPACE")).isEqualTo("metadata.namespace");
        assertThat(fieldRef(keeper, "PGPILOT_NAME")).isEqualTo("metadata.name");
        assertThat(fieldRef(keeper, "PGPILOT_ADVERTISE_HOST")).isEqualTo("status.podIP");
        assertThat(value(keeper, "PGPILOT_PG_LISTEN_HOST")).isEqualTo("0.0.0.0");
        assertThat(value(keeper, "PGPILOT_HTTP_HOST")).isEqualTo("0.0.0.0");
        assertThat(value(keeper, "PGPILOT_PG_BIN_DIR")).isEqualTo(Contract.PG_BIN_DIR);
        assertThat(Integer.parseInt(value(keeper, "PGPILOT_PG_PORT"))).isEqualTo(Contract.KEEPER.ports.get("postgres"));
        assertThat(Integer.parseInt(value(keeper, "PGPILOT_HTTP_PORT"))).isEqualTo(Contract.KEEPER.ports.get("http"));

        // The data directory is a directory inside the claimed volume (the mount point itself holds lost+found
        // on most file systems, and initdb wants an empty directory).
        String dataMount = mountOf(keeper, "data").getMountPath();
        assertThat(value(keeper, "PGPILOT_DATA_DIR")).startsWith(dataMount + "/");
        assertThat(defaults.get(StatefulSet.class, "demo-keeper").getSpec().getVolumeClaimTemplates())
                .singleElement().satisfies(claim -> {
                    assertThat(claim.getMetadata().getName()).isEqualTo("data");
                    assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("10Gi"));
                    assertThat(claim.getSpec().getStorageClassName()).isNull();
                });

        // The password files are the Secret's keys, mounted read-only, readable by the postgres group only.
        String secretMount = mountOf(keeper, "secret").getMountPath();
        assertThat(mountOf(keeper, "secret").getReadOnly()).isTrue();
        assertThat(value(keeper, "PGPILOT_SUPERUSER_PASSWORD_FILE")).isEqualTo(secretMount + "/" + ObjectNames.SUPERUSER_PASSWORD_KEY);
        assertThat(value(keeper, "PGPILOT_REPLICATION_PASSWORD_FILE")).isEqualTo(secretMount + "/" + ObjectNames.REPLICATION_PASSWORD_KEY);
        Volume secret = volume(pod, "secret");
        assertThat(secret.getSecret().getSecretName()).isEqualTo(NAMES.secret());
        assertThat(secret.getSecret().getDefaultMode()).isEqualTo(0440);
    }

    @Test
    void keepersAreFoundByTheLabelsAndContainerNameTheSentinelLooksFor() {
        PodTemplateSpec template = defaults.get(StatefulSet.class, "demo-keeper").getSpec().getTemplate();
        // ClusterStore.listKeeperPods selects by these labels and reads the status of the container named "keeper".
        assertThat(template.getMetadata().getLabels())
                .containsEntry(ObjectNames.LABEL_CLUSTER, "demo").containsEntry(ObjectNames.LABEL_COMPONENT, "keeper");
        assertThat(template.getSpec().getContainers()).extracting(Container::getName).containsExactly("keeper");
    }

    @Test
    void keepersAreProbedOnTheKeepersOwnEndpointsAndStopSlowlyEnoughToHandOver() {
        Container keeper = keeper(defaults);
        assertThat(keeper.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readiness");
        assertThat(port(keeper, keeper.getReadinessProbe().getHttpGet().getPort())).isEqualTo(8008);
        assertThat(keeper.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
        assertThat(port(keeper, keeper.getLivenessProbe().getHttpGet().getPort())).isEqualTo(8008);
        // A liveness failure must not kill a keeper faster than a primary's lease could expire for others.
        ClusterSpec spec = spec(defaults, "demo");
        var liveness = keeper.getLivenessProbe();
        assertThat(liveness.getPeriodSeconds() * liveness.getFailureThreshold() * 1000L).isGreaterThan(spec.leaseDurationMs());
        // The clean handoff (fast shutdown, final LSN published, lease released) gets far more than a lease's time.
        assertThat(keeperPod(defaults).getTerminationGracePeriodSeconds() * 1000L).isGreaterThanOrEqualTo(10 * spec.leaseDurationMs());
    }

    @Test
    void keepersRunAsPostgresOnAReadOnlyRootWithWritableScratchDirectories() {
        PodSpec pod = keeperPod(defaults);
        Container keeper = keeper(defaults);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(999L);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(999L);
        assertThat(keeper.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(keeper.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(keeper.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        for (String writable : List.of("/tmp", "/var/run/postgresql", "/dev/shm")) {
            assertThat(volume(pod, mountAt(keeper, writable).getName()).getEmptyDir()).as("emptyDir at " + writable).isNotNull();
        }
    }

    @Test
    void keepersPreferDifferentNodesByDefault() {
        var antiAffinity = keeperPod(defaults).getAffinity().getPodAntiAffinity();
        assertThat(antiAffinity.getRequiredDuringSchedulingIgnoredDuringExecution()).isEmpty();
        assertThat(antiAffinity.getPreferredDuringSchedulingIgnoredDuringExecution()).singleElement().satisfies(term -> {
            assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
            assertThat(term.getPodAffinityTerm().getLabelSelector().getMatchLabels())
                    .containsEntry(ObjectNames.LABEL_COMPONENT, "keeper").containsEntry(ObjectNames.LABEL_CLUSTER, "demo");
        });
    }

    @Test
    void theHeadlessServiceGovernsTheKeepers() {
        StatefulSet keepers = defaults.get(StatefulSet.class, "demo-keeper");
        Service headless = defaults.get(Service.class, keepers.getSpec().getServiceName());
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(keepers.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(headless.getSpec().getSelector());
        assertThat(keepers.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(keepers.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void theRwAndRoServicesLeadToTheProxysRwAndRoPorts() {
        Deployment proxy = defaults.get(Deployment.class, "demo-proxy");
        Container container = container(proxy.getSpec().getTemplate().getSpec(), "proxy");
        assertThat(container.getArgs()).containsExactly(Contract.PROXY.mainClass);
        assertThat(Integer.parseInt(value(container, "PGPILOT_RW_PORT"))).isEqualTo(Contract.PROXY.ports.get("rw"));
        assertThat(Integer.parseInt(value(container, "PGPILOT_RO_PORT"))).isEqualTo(Contract.PROXY.ports.get("ro"));
        assertThat(Integer.parseInt(value(container, "PGPILOT_HTTP_PORT"))).isEqualTo(Contract.PROXY.ports.get("http"));
        assertThat(value(container, "PGPILOT_LISTEN_HOST")).isEqualTo("0.0.0.0");
        for (var probe : List.of(container.getLivenessProbe(), container.getReadinessProbe())) {
            assertThat(probe.getHttpGet().getPath()).isEqualTo("/health");
            assertThat(port(container, probe.getHttpGet().getPort())).isEqualTo(Contract.PROXY.ports.get("http"));
        }
        for (var expected : Map.of("demo-rw", Contract.PROXY.ports.get("rw"), "demo-ro", Contract.PROXY.ports.get("ro")).entrySet()) {
            Service service = defaults.get(Service.class, expected.getKey());
            assertThat(proxy.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
            ServicePort servicePort = service.getSpec().getPorts().get(0);
            assertThat(servicePort.getPort()).isEqualTo(5432);
            assertThat(port(container, servicePort.getTargetPort())).as(expected.getKey()).isEqualTo(expected.getValue());
        }
    }

    @Test
    void theSentinelRunsFromTheProxyImageWithItsOwnMainClass() {
        PodSpec sentinel = defaults.get(Deployment.class, "demo-sentinel").getSpec().getTemplate().getSpec();
        PodSpec proxy = defaults.get(Deployment.class, "demo-proxy").getSpec().getTemplate().getSpec();
        Container container = container(sentinel, "sentinel");
        assertThat(container.getImage()).isEqualTo(container(proxy, "proxy").getImage()).isEqualTo("ghcr.io/pgpilot/pgpilot-proxy:0.1.0");
        assertThat(container.getArgs()).containsExactly(Contract.SENTINEL.mainClass);
        assertThat(container.getCommand()).isEmpty();
        assertThat(value(container, "PGPILOT_CLUSTER")).isEqualTo("demo");
        assertThat(fieldRef(container, "PGPILOT_NAME")).isEqualTo("metadata.name");
        assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health");
        assertThat(port(container, container.getLivenessProbe().getHttpGet().getPort())).isEqualTo(Integer.parseInt(value(container, "PGPILOT_HTTP_PORT")));
        assertThat(sentinel.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    }

    @Test
    void everyComponentIsGivenOnlyVariablesItReads() {
        Map<String, Container> containers = new LinkedHashMap<>();
        containers.put("keeper", keeper(defaults));
        containers.put("sentinel", container(defaults.get(Deployment.class, "demo-sentinel").getSpec().getTemplate().getSpec(), "sentinel"));
        containers.put("proxy", container(defaults.get(Deployment.class, "demo-proxy").getSpec().getTemplate().getSpec(), "proxy"));
        Map<String, Contract> contracts = Map.of("keeper", Contract.KEEPER, "sentinel", Contract.SENTINEL, "proxy", Contract.PROXY);
        containers.forEach((component, container) -> assertThat(Workloads.env(container).keySet())
                .as("PGPILOT_* variables of the " + component + " (each must be one of its flags, or the process ignores it)")
                .filteredOn(name -> name.startsWith("PGPILOT_"))
                .isSubsetOf(contracts.get(component).environmentVariables())
                .contains("PGPILOT_CLUSTER", "PGPILOT_NAMESPACE"));
    }

    @Test
    void disruptionBudgetsSelectTheirComponentsPods() {
        Map<String, PodTemplateSpec> pods = Map.of(
                "demo-keeper", defaults.get(StatefulSet.class, "demo-keeper").getSpec().getTemplate(),
                "demo-sentinel", defaults.get(Deployment.class, "demo-sentinel").getSpec().getTemplate(),
                "demo-proxy", defaults.get(Deployment.class, "demo-proxy").getSpec().getTemplate());
        pods.forEach((name, template) -> assertThat(template.getMetadata().getLabels())
                .containsAllEntriesOf(defaults.get(PodDisruptionBudget.class, name).getSpec().getSelector().getMatchLabels()));
        assertThat(defaults.get(PodDisruptionBudget.class, "demo-keeper").getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    }

    @Test
    void aNonDefaultSetRendersFiveSynchronousKeepersOnAStorageClassWithResources() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("clusterName", "orders");
        values.put("keeper.replicas", 5);
        values.put("cluster.synchronousMode", true);
        values.put("cluster.minSynchronousStandbys", 2);
        values.put("cluster.postgresParameters.max_connections", 200);
        values.put("keeper.storage.storageClassName", "fast-ssd");
        values.put("keeper.storage.size", "50Gi");
        values.put("keeper.resources.requests.cpu", "500m");
        values.put("keeper.resources.requests.memory", "2Gi");
        values.put("keeper.resources.limits.memory", "2Gi");
        values.put("proxy.resources.requests.cpu", "100m");
        values.put("keeper.antiAffinity", "hard");
        RenderedChart chart = PgpilotChart.render(values);

        StatefulSet keepers = chart.get(StatefulSet.class, "demo-keeper");
        assertThat(keepers.getSpec().getReplicas()).isEqualTo(5);
        ClusterSpec spec = spec(chart, "orders");
        assertThat(spec.replicas()).isEqualTo(5);
        assertThat(spec.synchronousMode()).isTrue();
        assertThat(spec.minSynchronousStandbys()).isEqualTo(2);
        assertThat(spec.postgresParameters()).containsExactly(Map.entry("max_connections", "200"));
        assertThat(keepers.getSpec().getVolumeClaimTemplates().get(0).getSpec().getStorageClassName()).isEqualTo("fast-ssd");
        assertThat(keepers.getSpec().getVolumeClaimTemplates().get(0).getSpec().getResources().getRequests())
                .containsEntry("storage", new Quantity("50Gi"));
        Container keeper = keeper(chart);
        assertThat(keeper.getResources().getRequests()).containsEntry("cpu", new Quantity("500m")).containsEntry("memory", new Quantity("2Gi"));
        assertThat(keeper.getResources().getLimits()).containsEntry("memory", new Quantity("2Gi"));
        assertThat(container(chart.get(Deployment.class, "demo-proxy").getSpec().getTemplate().getSpec(), "proxy").getResources().getRequests())
                .containsEntry("cpu", new Quantity("100m"));
        assertThat(keeperPod(chart).getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()).hasSize(1);
        // The cluster name, not the release, names the coordination objects and is what every component is told.
        assertThat(value(keeper, "PGPILOT_CLUSTER")).isEqualTo("orders");
        assertThat(chart.get(io.fabric8.kubernetes.api.model.Secret.class, "orders-secret")).isNotNull();
        assertThat(volume(keeperPod(chart), "secret").getSecret().getSecretName()).isEqualTo("orders-secret");
        assertThat(keepers.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(ObjectNames.LABEL_CLUSTER, "orders");
    }

    @Test
    void aSingleSentinelAndProxyGetNoBudgetThatWouldBlockEveryDrain() {
        RenderedChart chart = PgpilotChart.render(Map.of("sentinel.replicas", 1, "proxy.replicas", 1));
        assertThat(chart.all(PodDisruptionBudget.class)).extracting(p -> p.getMetadata().getName()).containsExactly("demo-keeper");
    }

    @Test
    void podAnnotationsReachEachComponentsPods() {
        RenderedChart chart = PgpilotChart.render(Map.of("keeper.podAnnotations.example\\.com/team", "keepers",
                "sentinel.podAnnotations.example\\.com/team", "sentinels", "proxy.podAnnotations.example\\.com/team", "proxies"));
        assertThat(chart.get(StatefulSet.class, "demo-keeper").getSpec().getTemplate().getMetadata().getAnnotations())
                .containsExactly(Map.entry("example.com/team", "keepers"));
        assertThat(chart.get(Deployment.class, "demo-sentinel").getSpec().getTemplate().getMetadata().getAnnotations())
                .containsExactly(Map.entry("example.com/team", "sentinels"));
        assertThat(chart.get(Deployment.class, "demo-proxy").getSpec().getTemplate().getMetadata().getAnnotations())
                .containsExactly(Map.entry("example.com/team", "proxies"));
    }

    static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume named " + name));
    }
}

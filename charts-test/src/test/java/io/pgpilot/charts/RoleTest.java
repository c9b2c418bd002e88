package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Role grants every API call the components make and nothing more. The calls are not listed by hand:
 * they are read from {@code recorded-api-calls.txt}: the local API server's audit log of a real local-mode
 * run (keepers, sentinels and proxy as their own processes, through bootstrap, a switchover and a graceful
 * stop and restart), keeping only the lines whose client is one of the components. Record it again with
 * {@code charts-test/record-api-calls.sh}.
 */
class RoleTest {

    static final String RECORDING = "recorded-api-calls.txt";
    static RenderedChart chart;
    static List<ApiCall> recorded;

    @BeforeAll
    static void load() throws IOException {
        chart = PgpilotChart.render(Map.of());
        try (InputStream in = RoleTest.class.getClassLoader().getResourceAsStream(RECORDING)) {
            assertThat(in).as(RECORDING + " on the test class path; record it with charts-test/record-api-calls.sh").isNotNull();
            recorded = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .flatMap(line -> ApiCall.parse(line).stream()).toList();
        }
    }

    @Test
    void theRecordingCoversWhatEveryComponentDoes() {
        // A truncated recording would make the comparison below vacuous.
        assertThat(recorded).extracting(ApiCall::permission).contains(
                new Permission("coordination.k8s.io", "leases", "update"),
                new Permission("", "configmaps", "watch"),
                new Permission("", "pods", "list"),
                new Permission("", "events", "create"));
    }

    @Test
    void everyRecordedCallIsInTheReleasesNamespaceWhereARoleCanGrantIt() {
        assertThat(recorded).filteredOn(call -> call.namespace() == null).as("cluster-scoped calls, which a Role cannot grant").isEmpty();
    }

    @Test
    void theRoleGrantsEveryRecordedCallAndNothingMore() {
        Set<Permission> used = new TreeSet<>();
        recorded.forEach(call -> used.add(call.permission()));
        Set<Permission> granted = Permission.grantedBy(chart.get(Role.class, "demo-pgpilot"));

        Set<Permission> missing = new TreeSet<>(used);
        missing.removeAll(granted);
        Set<Permission> unused = new TreeSet<>(granted);
        unused.removeAll(used);
        SoftAssertions.assertSoftly(both -> {
            both.assertThat(missing).as("calls the components make that the Role does not grant (they would get 403)").isEmpty();
            both.assertThat(unused).as("rights the Role grants that no component uses (remove them)").isEmpty();
        });
    }

    @Test
    void everyComponentRunsAsTheServiceAccountTheRoleIsBoundTo() {
        RoleBinding binding = chart.get(RoleBinding.class, "demo-pgpilot");
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getName()).isEqualTo("demo-pgpilot");
        ServiceAccount account = chart.get(ServiceAccount.class, "demo-pgpilot");
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo(account.getMetadata().getName());
            assertThat(subject.getNamespace()).isEqualTo(PgpilotChart.NAMESPACE);
        });
        List<PodSpec> pods = List.of(
                chart.get(StatefulSet.class, "demo-keeper").getSpec().getTemplate().getSpec(),
                chart.get(Deployment.class, "demo-sentinel").getSpec().getTemplate().getSpec(),
                chart.get(Deployment.class, "demo-proxy").getSpec().getTemplate().getSpec());
        assertThat(pods).allSatisfy(pod -> assertThat(pod.getServiceAccountName()).isEqualTo(account.getMetadata().getName()));
        assertThat(chart.objects()).noneMatch(o -> o.getKind().startsWith("Cluster"));
    }

    @Test
    void noPodCanReadTheSecretThroughTheApi() {
        assertThat(Permission.grantedBy(chart.get(Role.class, "demo-pgpilot"))).noneMatch(p -> p.resource().equals("secrets"));
    }
}

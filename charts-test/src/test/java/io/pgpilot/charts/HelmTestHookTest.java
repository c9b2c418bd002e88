package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.pgpilot.cluster.ObjectNames;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** `helm test` and the install notes: both lead the user through the rw Service. */
class HelmTestHookTest {

    @Test
    void theHookIsAHelmTestThatCleansUpAfterItself() {
        assertThat(TestHooks.templates()).singleElement().satisfies(template -> assertThat(template)
                .contains("helm.sh/hook: test")
                .contains("helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded"));
    }

    @Test
    void theHookWritesARowThroughTheRwServiceWithTheSuperuserPassword() {
        Pod pod = (Pod) TestHooks.render(Map.of()).objects().get(0);
        Container psql = pod.getSpec().getContainers().get(0);
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(psql.getCommand().get(0)).isEqualTo("psql");
        assertThat(psql.getCommand()).contains("host=demo-rw port=5432 user=" + ObjectNames.SUPERUSER + " dbname=postgres connect_timeout=10",
                "--set=ON_ERROR_STOP=1");
        assertThat(psql.getCommand()).anySatisfy(arg -> assertThat(arg).startsWith("INSERT INTO pgpilot_helm_test"));
        var password = psql.getEnv().stream().filter(e -> e.getName().equals("PGPASSWORD")).findFirst().orElseThrow().getValueFrom().getSecretKeyRef();
        assertThat(password.getName()).isEqualTo(new ObjectNames("demo").secret());
        assertThat(password.getKey()).isEqualTo(ObjectNames.SUPERUSER_PASSWORD_KEY);
        // psql comes from the keeper image, so the test needs no image of its own.
        String keeperImage = PgpilotChart.render(Map.of()).get(StatefulSet.class, "demo-keeper").getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage();
        assertThat(psql.getImage()).isEqualTo(keeperImage);
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    }

    @Test
    void theHookFollowsAChangedRwPort() {
        Pod pod = (Pod) TestHooks.render(Map.of("proxy.service.rwPort", 6432)).objects().get(0);
        assertThat(pod.getSpec().getContainers().get(0).getCommand()).anySatisfy(arg -> assertThat(arg).startsWith("host=demo-rw port=6432 "));
    }

    @Test
    void theNotesPrintThePsqlCommandThroughTheRwService() {
        // A client-only dry run: no cluster, and Helm returns the rendered NOTES.txt.
        String output = new Helm(PgpilotChart.directory()).install().withName("demo").withNamespace("db")
                .withDryRunOption(DryRun.CLIENT).clientOnly().call().getOutput();
        String notes = output.substring(output.indexOf("NOTES:"));
        assertThat(notes).contains("psql \"host=demo-rw.db.svc port=5432 user=postgres dbname=postgres\"");
        assertThat(notes).contains("kubectl --namespace db get secret demo-secret -o jsonpath='{.data.superuser-password}'");
        assertThat(notes).contains("helm test demo --namespace db");
    }
}

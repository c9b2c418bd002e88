package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.testing.ApiServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Secret's passwords: generated on install, read back from the existing Secret on upgrade. Helm's
 * {@code lookup} runs for real here, against the local API server ({@link LookupServer}).
 */
class SecretPasswordsTest {

    static String password(RenderedChart chart, String key) {
        Secret secret = chart.get(Secret.class, new ObjectNames("demo").secret());
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }

    @Test
    void aFirstInstallGeneratesTwoDifferentStrongPasswords() {
        RenderedChart first = PgpilotChart.render("demo", ApiServer.freshNamespace(), Map.of());
        RenderedChart second = PgpilotChart.render("demo", ApiServer.freshNamespace(), Map.of());
        String superuser = password(first, ObjectNames.SUPERUSER_PASSWORD_KEY);
        String replication = password(first, ObjectNames.REPLICATION_PASSWORD_KEY);
        assertThat(superuser).matches("[A-Za-z0-9]{32}");
        assertThat(replication).matches("[A-Za-z0-9]{32}").isNotEqualTo(superuser);
        assertThat(password(second, ObjectNames.SUPERUSER_PASSWORD_KEY)).as("another install's password").isNotEqualTo(superuser);
    }

    @Test
    void anUpgradeKeepsThePasswordsOfTheExistingSecret() {
        String namespace = ApiServer.freshNamespace();
        LookupServer.client().secrets().inNamespace(namespace).resource(new SecretBuilder()
                .withNewMetadata().withName("demo-secret").withNamespace(namespace).endMetadata()
                .withData(Map.of(ObjectNames.SUPERUSER_PASSWORD_KEY, base64("the-running-superuser-password"),
                        ObjectNames.REPLICATION_PASSWORD_KEY, base64("the-running-replication-password")))
                .build()).create();

        RenderedChart upgrade = PgpilotChart.render("demo", namespace, Map.of());

        assertThat(password(upgrade, ObjectNames.SUPERUSER_PASSWORD_KEY)).isEqualTo("the-running-superuser-password");
        assertThat(password(upgrade, ObjectNames.REPLICATION_PASSWORD_KEY)).isEqualTo("the-running-replication-password");
    }

    @Test
    void givenPasswordsAreUsedAsGiven() {
        RenderedChart chart = PgpilotChart.render("demo", ApiServer.freshNamespace(),
                Map.of("passwords.superuser", "chosen-superuser", "passwords.replication", "chosen-replication"));
        assertThat(password(chart, ObjectNames.SUPERUSER_PASSWORD_KEY)).isEqualTo("chosen-superuser");
        assertThat(password(chart, ObjectNames.REPLICATION_PASSWORD_KEY)).isEqualTo("chosen-replication");
    }

    @Test
    void theSecretOutlivesAnUninstallBecauseTheKeptVolumesStillUseItsPasswords() {
        Secret secret = PgpilotChart.render(Map.of()).get(Secret.class, "demo-secret");
        assertThat(secret.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}

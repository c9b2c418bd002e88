package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The chart on a real Kubernetes (k3s in a container): build both images, install, write through the rw
 * Service, delete the primary's pod like an operator would, and see another keeper become the primary
 * with the data intact. Needs Docker; without it the class is skipped (disabledWithoutDocker). Slow (image
 * builds, a cluster, a failover): {@code mvn -Pslow -pl charts-test test -Dtest=K3sInstallTest}.
 */
@Tag("slow")
@Testcontainers(disabledWithoutDocker = true)
class K3sInstallTest {

    static final String NAMESPACE = "pgpilot";
    static final String KEEPER_IMAGE = "pgpilot-keeper:k3s-test";
    static final String PROXY_IMAGE = "pgpilot-proxy:k3s-test";

    @Container
    static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.5-k3s1"));

    @TempDir
    static Path dir;
    static Path kubeconfig;
    static KubernetesClient client;

    @BeforeAll
    static void installTheChart() throws Exception {
        Path root = PgpilotChart.repositoryRoot();
        loadIntoK3s(build(root.resolve("Dockerfile.keeper"), KEEPER_IMAGE));
        loadIntoK3s(build(root.resolve("Dockerfile.proxy"), PROXY_IMAGE));

        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, K3S.getKubeConfigYaml());
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build();

        new Helm(PgpilotChart.directory()).install().withName("demo").withNamespace(NAMESPACE).createNamespace()
                .withKubeConfig(kubeconfig)
                .set("image.keeper.repository", "pgpilot-keeper").set("image.keeper.tag", "k3s-test").set("image.keeper.pullPolicy", "Never")
                .set("image.proxy.repository", "pgpilot-proxy").set("image.proxy.tag", "k3s-test").set("image.proxy.pullPolicy", "Never")
                // One node: keepers share it, and small volumes from k3s's local-path provisioner.
                .set("keeper.antiAffinity", "none").set("sentinel.antiAffinity", "none").set("proxy.antiAffinity", "none")
                .set("keeper.storage.size", "1Gi")
                .waitReady().withTimeout(600)
                .call();
    }

    @AfterAll
    static void close() {
        if (client != null) {
            client.close();
        }
    }

    /** Builds an image from a Dockerfile at the repository root, with the root as the build context. */
    static String build(Path dockerfile, String tag) {
        return new ImageFromDockerfile(tag, false).withDockerfile(dockerfile).get();
    }

    /** k3s runs its own containerd: the image is saved from Docker and imported there. */
    static void loadIntoK3s(String image) throws Exception {
        Path tar = dir.resolve(image.replace(':', '_').replace('/', '_') + ".tar");
        try (InputStream saved = DockerClientFactory.instance().client().saveImageCmd(image).exec()) {
            Files.copy(saved, tar, StandardCopyOption.REPLACE_EXISTING);
        }
        K3S.copyFileToContainer(MountableFile.forHostPath(tar), "/tmp/image.tar");
        var result = K3S.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/image.tar");
        assertThat(result.getExitCode()).as("ctr images import " + image + ": " + result.getStderr()).isZero();
    }

    static String superuserPassword() {
        var secret = client.secrets().inNamespace(NAMESPACE).withName(new ObjectNames("demo").secret()).get();
        return new String(Base64.getDecoder().decode(secret.getData().get(ObjectNames.SUPERUSER_PASSWORD_KEY)), StandardCharsets.UTF_8);
    }

    static String primary(ClusterStore store) {
        Read<PrimaryLease> lease = store.readPrimaryLease();
        return lease instanceof Read.Found<PrimaryLease> found ? found.value().holder() : null;
    }

    static Connection connectThroughRw(LocalPortForward rw) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + rw.getLocalPort() + "/postgres?connectTimeout=10",
                ObjectNames.SUPERUSER, superuserPassword());
    }

    @Test
    void deletingThePrimarysPodHandsTheClusterToAnotherKeeperWithTheDataIntact() throws Exception {
        ClusterStore store = new ClusterStore(client, NAMESPACE, new ObjectNames("demo"));
        await().atMost(Duration.ofMinutes(5)).until(() -> primary(store) != null);
        String first = primary(store);

        // `helm test`: the chart's own check through the rw Service.
        Helm.test("demo").withNamespace(NAMESPACE).withKubeConfig(kubeconfig).withTimeout(300).call();

        try (LocalPortForward rw = client.services().inNamespace(NAMESPACE).withName("demo-rw").portForward(5432)) {
            try (Connection db = connectThroughRw(rw); Statement sql = db.createStatement()) {
                sql.execute("CREATE TABLE orders (id int PRIMARY KEY, note text)");
                sql.execute("INSERT INTO orders VALUES (1, 'written before the failover')");
            }

            client.pods().inNamespace(NAMESPACE).withName(first).delete();

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> primary(store) != null && !primary(store).equals(first));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                try (Connection db = connectThroughRw(rw); Statement sql = db.createStatement()) {
                    sql.execute("INSERT INTO orders VALUES (2, 'written after the failover') ON CONFLICT DO NOTHING");
                    try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM orders")) {
                        rows.next();
                        assertThat(rows.getInt(1)).isEqualTo(2);
                    }
                    try (ResultSet standby = sql.executeQuery("SELECT pg_is_in_recovery()")) {
                        standby.next();
                        assertThat(standby.getBoolean(1)).as("the rw Service leads to a primary").isFalse();
                    }
                }
            });
        }
        // The StatefulSet recreated the old primary's pod; it rejoins as a standby on its kept volume.
        await().atMost(Duration.ofMinutes(3)).until(() -> client.pods().inNamespace(NAMESPACE).withName(first).isReady());
        assertThat(primary(store)).isNotEqualTo(first);
    }
}

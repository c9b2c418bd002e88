package io.pgpilot.charts;

import static io.pgpilot.charts.Workloads.container;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The images cannot be built here (no Docker engine), so what can go wrong between the Dockerfiles, the
 * sources and the chart is checked by reading them: main classes, modules and jar names, the class path,
 * ports and users must agree.
 */
class DockerfileConsistencyTest {

    static final String LIB = "/opt/pgpilot/lib";
    static Path root;
    static Dockerfile keeperImage;
    static Dockerfile proxyImage;
    static RenderedChart chart;

    @BeforeAll
    static void read() {
        root = PgpilotChart.repositoryRoot();
        keeperImage = Dockerfile.read(root.resolve("Dockerfile.keeper"));
        proxyImage = Dockerfile.read(root.resolve("Dockerfile.proxy"));
        chart = PgpilotChart.render(Map.of());
    }

    static PodSpec pod(String component) {
        return switch (component) {
            case "keeper" -> chart.get(StatefulSet.class, "demo-keeper").getSpec().getTemplate().getSpec();
            case "sentinel" -> chart.get(Deployment.class, "demo-sentinel").getSpec().getTemplate().getSpec();
            case "proxy" -> chart.get(Deployment.class, "demo-proxy").getSpec().getTemplate().getSpec();
            default -> throw new IllegalArgumentException(component);
        };
    }

    static Dockerfile imageOf(Contract component) {
        return component == Contract.KEEPER ? keeperImage : proxyImage;
    }

    /** The modules a Dockerfile's Maven build stage builds ({@code -pl a,b}). */
    static List<String> builtModules(Dockerfile image) {
        String run = image.stages().get(0).all("RUN").stream().map(Dockerfile.Instruction::arguments).filter(a -> a.contains("mvn "))
                .findFirst().orElseThrow(() -> new AssertionError(image.file() + ": the build stage runs no mvn"));
        Matcher modules = Pattern.compile("-pl\\s+(\\S+)").matcher(run);
        assertThat(modules.find()).as(image.file() + ": mvn -pl <modules>").isTrue();
        return List.of(modules.group(1).split(","));
    }

    static String artifactId(String module) throws IOException {
        String pom = Files.readString(root.resolve(module).resolve("pom.xml"));
        Matcher id = Pattern.compile("</parent>.*?<artifactId>([^<]+)</artifactId>", Pattern.DOTALL).matcher(pom);
        assertThat(id.find()).as(module + "/pom.xml artifactId").isTrue();
        return id.group(1);
    }

    @Test
    void eachImageIsAMultiStageBuildFromMaven() {
        for (Dockerfile image : List.of(keeperImage, proxyImage)) {
            assertThat(image.stages()).as(image.file().toString()).hasSizeGreaterThanOrEqualTo(2);
            assertThat(image.stages().get(0).image()).startsWith("maven:");
            assertThat(image.stages().get(0).alias()).isEqualTo("build");
            assertThat(image.finalStage().all("COPY")).as(image.file() + ": the final stage takes the build's jars")
                    .allSatisfy(copy -> assertThat(copy.arguments()).startsWith("--from=build "));
            // Small: no build tool or JDK in the final image.
            assertThat(image.finalStage().image()).doesNotContain("maven").doesNotContain("jdk");
            assertThat(image.finalStage().image()).matches(".*(slim|distroless).*");
        }
        assertThat(builtModules(keeperImage)).containsExactly("keeper");
        assertThat(builtModules(proxyImage)).containsExactlyInAnyOrder("proxy", "sentinel");
    }

    @Test
    void theJarsCopiedAreTheModulesArtifacts() throws IOException {
        for (Dockerfile image : List.of(keeperImage, proxyImage)) {
            String text = Files.readString(image.file());
            for (String module : builtModules(image)) {
                assertThat(root.resolve(module).resolve("pom.xml")).as("module " + module).exists();
                assertThat(text).as(image.file() + " copies " + module + "'s jar and runtime jars")
                        .contains(module + "/target/" + artifactId(module) + "-*.jar").contains(module + "/target/lib");
            }
        }
    }

    @Test
    void theImagesRunJavaOnTheJarsWhereTheyAreCopied() {
        for (Dockerfile image : List.of(keeperImage, proxyImage)) {
            List<String> command = image.command();
            assertThat(command).as(image.file() + " command").startsWith("/usr/bin/java", "-cp", LIB + "/*");
            assertThat(image.finalStage().all("COPY")).as(image.file().toString()).anySatisfy(copy -> assertThat(copy.words()).last().isEqualTo(LIB + "/"));
        }
    }

    @ParameterizedTest
    @EnumSource(Contract.class)
    void theMainClassRunIsTheComponentsAndExistsInItsSources(Contract component) throws IOException {
        List<String> command = component == Contract.SENTINEL
                ? container(pod("sentinel"), "sentinel").getArgs()
                : imageOf(component).command();
        assertThat(command).as("what the " + component.module + " runs").last().isEqualTo(component.mainClass);
        if (component == Contract.PROXY) {
            assertThat(container(pod("proxy"), "proxy").getArgs()).containsExactly(component.mainClass);
        }
        assertThat(builtModules(imageOf(component))).contains(component.module);

        Path sources = root.resolve(component.module).resolve("src/main/java");
        boolean written;
        try (Stream<Path> files = Files.exists(sources) ? Files.walk(sources) : Stream.empty()) {
            written = files.anyMatch(p -> p.toString().endsWith(".java"));
        }
        Assumptions.assumeTrue(written, component.module + " has no sources yet; its main class " + component.mainClass + " cannot be checked");
        Path main = root.resolve(component.mainClassSource());
        assertThat(main).as("the source of " + component.mainClass).exists();
        assertThat(Files.readString(main)).contains("public static void main(String[]");
    }

    @Test
    void theExposedPortsAreTheChartsContainerPortsAndTheContractsPorts() {
        Map<Dockerfile, List<Contract>> images = Map.of(keeperImage, List.of(Contract.KEEPER), proxyImage, List.of(Contract.PROXY, Contract.SENTINEL));
        images.forEach((image, components) -> {
            Set<Integer> exposed = image.finalStage().all("EXPOSE").stream().flatMap(e -> e.words().stream())
                    .map(p -> Integer.parseInt(p.replace("/tcp", ""))).collect(Collectors.toSet());
            Set<Integer> chartPorts = components.stream().flatMap(c -> container(pod(c.module), c.module).getPorts().stream())
                    .map(ContainerPort::getContainerPort).collect(Collectors.toSet());
            Set<Integer> contractPorts = components.stream().flatMap(c -> c.ports.values().stream()).collect(Collectors.toSet());
            assertThat(exposed).as(image.file() + " EXPOSE").isEqualTo(chartPorts).isEqualTo(contractPorts);
        });
        for (Contract component : Contract.values()) {
            Container container = container(pod(component.module), component.module);
            component.ports.forEach((name, port) -> assertThat(container.getPorts()).as(component.module + " port " + name)
                    .anySatisfy(p -> assertThat(p.getName() + "=" + p.getContainerPort()).isEqualTo(name + "=" + port)));
        }
    }

    @Test
    void theImagesRunAsTheNonRootUsersTheChartRunsThemAs() {
        Map<String, Dockerfile> images = Map.of("keeper", keeperImage, "sentinel", proxyImage, "proxy", proxyImage);
        images.forEach((component, image) -> {
            String user = image.finalStage().last("USER").arguments().trim();
            assertThat(user).as(image.file() + " USER (numeric, so Kubernetes can check runAsNonRoot)").matches("[0-9]+(:[0-9]+)?");
            long uid = Long.parseLong(user.split(":")[0]);
            assertThat(uid).as(image.file() + " uid").isNotZero();
            PodSpec pod = pod(component);
            assertThat(pod.getSecurityContext().getRunAsUser()).as(component + " runAsUser").isEqualTo(uid);
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        });
    }

    @Test
    void theKeeperImageHasPostgresql15WhereTheKeeperIsToldToLook() throws IOException {
        String text = Files.readString(keeperImage.file());
        assertThat(keeperImage.finalStage().image()).startsWith("debian:bookworm");
        assertThat(keeperImage.finalStage().all("RUN")).anySatisfy(run -> assertThat(run.arguments())
                .contains("postgresql-15").contains("openjdk-17-jre-headless")
                .contains("--uid 999").contains("--gid 999")
                .contains("create_main_cluster = false"));
        assertThat(text).contains(Contract.PG_BIN_DIR);
        Container keeper = container(pod("keeper"), "keeper");
        assertThat(Workloads.value(keeper, "PGPILOT_PG_BIN_DIR")).isEqualTo(Contract.PG_BIN_DIR);
        // psql for `helm test` comes from the same image.
        assertThat(keeperImage.finalStage().all("RUN")).anySatisfy(run -> assertThat(run.arguments()).contains("postgresql-client-15"));
    }
}

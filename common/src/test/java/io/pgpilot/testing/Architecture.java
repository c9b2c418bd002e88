package io.pgpilot.testing;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;

/**
 * The rules every module's ArchitectureTest checks on its own main code: no cycle between packages, and the
 * pure decision packages (the cluster model, the sentinel's planner, the keeper's decisions and model, the
 * proxy's router) free of I/O, so that they stay testable by tables, without processes.
 */
public final class Architecture {

    /** The pure packages of every module: each may use only the others and libraries that do no I/O. */
    public static final List<String> PURE = List.of("io.pgpilot.cluster", "io.pgpilot.time", "io.pgpilot.keeper.converge", "io.pgpilot.keeper.model",
            "io.pgpilot.sentinel.planner", "io.pgpilot.proxy.routing");

    /** Libraries and JDK packages that reach outside the process: the Kubernetes client, JDBC, the network, files, frameworks. */
    private static final String[] INPUT_OUTPUT = {"io.fabric8..", "io.vertx..", "java.sql..", "javax.sql..", "org.postgresql..", "com.zaxxer..",
        "io.netty..", "java.net..", "java.nio.channels..", "java.nio.file..", "org.springframework..", "org.flywaydb..", "io.micrometer..",
        "org.slf4j..", "ch.qos.logback.."};

    private Architecture() {
    }

    /**
     * Checks the main classes under {@code root}.
     *
     * @param pure the pure packages under {@code root}, from {@link #PURE}; each must exist
     */
    public static void check(String root, String... pure) {
        JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages(root);
        slices().matching("io.pgpilot.(**)").should().beFreeOfCycles().check(classes);
        for (String p : pure) {
            if (!PURE.contains(p)) {
                throw new IllegalArgumentException(p + " is not one of the pure packages " + PURE);
            }
            noClasses().that().resideInAPackage(p + "..").should().dependOnClassesThat().resideInAnyPackage(INPUT_OUTPUT)
                    .because("a pure package decides from values; I/O belongs to the parts around it").check(classes);
            noClasses().that().resideInAPackage(p + "..").should().dependOnClassesThat(resideInAPackage("io.pgpilot..")
                    .and(not(resideInAnyPackage(PURE.stream().map(q -> q + "..").toArray(String[]::new)))))
                    .because("a pure package uses only other pure packages of pgpilot").check(classes);
        }
    }
}

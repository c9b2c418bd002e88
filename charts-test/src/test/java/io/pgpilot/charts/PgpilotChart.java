package io.pgpilot.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The chart in charts/pgpilot, linted and rendered by the real Helm library (helm-java). */
final class PgpilotChart {

    static final String RELEASE = "demo";
    static final String NAMESPACE = "db";

    private PgpilotChart() {
    }

    /** The repository's root: the parent of this module's directory. */
    static Path repositoryRoot() {
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();
        Path root = module.getParent();
        if (root == null || !Files.isDirectory(root.resolve("charts/pgpilot"))) {
            throw new IllegalStateException("cannot find charts/pgpilot next to " + module + ": run the tests from the charts-test module");
        }
        return root;
    }

    static Path directory() {
        return repositoryRoot().resolve("charts/pgpilot");
    }

    static LintResult lint(boolean strict) {
        var lint = new Helm(directory()).lint();
        return strict ? lint.strict().call() : lint.call();
    }

    /** Renders with the release {@value #RELEASE} in namespace {@value #NAMESPACE}. */
    static RenderedChart render(Map<String, ?> values) {
        return render(RELEASE, NAMESPACE, values);
    }

    static RenderedChart render(String release, String namespace, Map<String, ?> values) {
        return RenderedChart.parse(renderText(release, namespace, values));
    }

    /** The manifests as Helm prints them; throws Helm's error (schema or template failure) as it is. */
    static String renderText(String release, String namespace, Map<String, ?> values) {
        LookupServer.get();
        TemplateCommand template = new Helm(directory()).template().withName(release).withNamespace(namespace);
        values.forEach(template::set);
        return template.call();
    }

    /** Helm's message when it refuses {@code values}; fails the test when Helm renders them instead. */
    static String refusal(Map<String, ?> values) {
        try {
            renderText(RELEASE, NAMESPACE, values);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        throw new AssertionError("Helm rendered the chart with " + values + " instead of refusing them");
    }
}

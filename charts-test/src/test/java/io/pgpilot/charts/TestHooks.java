package io.pgpilot.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Renders the chart's {@code helm test} hooks. helm-java's template prints the release manifest only, without
 * hooks, so the hooks are rendered from a copy of the chart whose hook annotations are removed: the same
 * templates and values through the same Helm, only no longer set aside as hooks.
 */
final class TestHooks {

    static final Path HOOKS = Path.of("templates", "tests");

    private TestHooks() {
    }

    /** The hook manifests only. */
    static RenderedChart render(Map<String, ?> values) {
        Path copy = copyWithoutHookAnnotations();
        try {
            LookupServer.get();
            var template = new com.marcnuri.helm.Helm(copy).template().withName(PgpilotChart.RELEASE).withNamespace(PgpilotChart.NAMESPACE);
            values.forEach(template::set);
            RenderedChart all = RenderedChart.parse(template.call());
            return new RenderedChart(all.text(), all.manifests().stream().filter(m -> m.source().contains("/templates/tests/")).toList());
        } finally {
            delete(copy);
        }
    }

    /** The hook templates as written, with their annotations. */
    static List<String> templates() {
        try (Stream<Path> files = Files.list(PgpilotChart.directory().resolve(HOOKS))) {
            return files.sorted().map(TestHooks::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copyWithoutHookAnnotations() {
        Path source = PgpilotChart.directory();
        try {
            Path copy = Files.createTempDirectory("pgpilot-chart-hooks").resolve("pgpilot");
            try (Stream<Path> paths = Files.walk(source)) {
                for (Path path : paths.toList()) {
                    Path target = copy.resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(target);
                    } else if (path.startsWith(source.resolve(HOOKS))) {
                        Files.writeString(target, read(path).replaceAll("(?m)^\\s*helm\\.sh/hook[-a-z]*:.*\\n", ""));
                    } else {
                        Files.copy(path, target);
                    }
                }
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the chart " + source, e);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path copy) {
        try (Stream<Path> paths = Files.walk(copy.getParent())) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

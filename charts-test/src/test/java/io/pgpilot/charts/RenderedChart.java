package io.pgpilot.charts;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

/**
 * What Helm rendered: every manifest parsed into fabric8's typed model (strictly, see {@link TypedManifests}),
 * in Helm's order, with its source template.
 */
record RenderedChart(String text, List<TypedManifests.Manifest> manifests) {

    static RenderedChart parse(String text) {
        return new RenderedChart(text, TypedManifests.parse(text));
    }

    List<HasMetadata> objects() {
        return manifests.stream().map(TypedManifests.Manifest::object).toList();
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects().stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends HasMetadata> T get(Class<T> type, String name) {
        return all(type).stream().filter(o -> name.equals(o.getMetadata().getName())).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no " + type.getSimpleName() + " named " + name + " among "
                        + objects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).collect(Collectors.joining(", "))));
    }
}

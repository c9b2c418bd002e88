package io.pgpilot.charts;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Parses rendered manifests into fabric8's typed Kubernetes model and refuses any field the model does not
 * know.
 *
 * <p>A Jackson mapper with {@code FAIL_ON_UNKNOWN_PROPERTIES} is not enough here: every fabric8 model class
 * has a {@code @JsonAnySetter} that keeps unknown fields in {@code additionalProperties}, and fabric8's
 * serialization also parks a field of the wrong type there. So after parsing, the whole object tree is
 * walked and any non-empty {@code additionalProperties} is reported with its path; an unknown kind (parsed
 * as a {@link GenericKubernetesResource}) is refused too. A misspelt {@code readinesProbe} or a
 * {@code replicas: "three"} therefore fails the test instead of being silently ignored by the API server.
 */
final class TypedManifests {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    /** One rendered manifest: its template (from Helm's "# Source:" comment) and its typed object. */
    record Manifest(String source, HasMetadata object) {
    }

    private TypedManifests() {
    }

    static List<Manifest> parse(String renderedText) {
        List<Manifest> manifests = new ArrayList<>();
        for (String document : renderedText.split("(?m)^---\\s*$")) {
            String source = sourceOf(document);
            JsonNode node;
            try (MappingIterator<JsonNode> nodes = YAML.readerFor(JsonNode.class).readValues(document)) {
                List<JsonNode> all = nodes.readAll();
                if (all.isEmpty() || all.get(0) == null || all.get(0).isNull() || all.get(0).isMissingNode()) {
                    continue;
                }
                node = all.get(0);
            }
            if (!node.isObject() || !node.has("kind") || !node.has("apiVersion")) {
                throw new AssertionError(source + ": not a Kubernetes object (no kind or apiVersion):\n" + document);
            }
            String what = source + " (" + node.get("kind").asString() + ")";
            KubernetesResource parsed = SERIALIZATION.convertValue(node, KubernetesResource.class);
            if (parsed instanceof GenericKubernetesResource || !(parsed instanceof HasMetadata object)) {
                throw new AssertionError(what + ": fabric8's model has no type for " + node.get("apiVersion").asString() + " "
                        + node.get("kind").asString());
            }
            List<String> unknown = unknownFields(object);
            if (!unknown.isEmpty()) {
                throw new AssertionError(what + " " + object.getMetadata().getName() + " has fields fabric8's model does not know: " + unknown);
            }
            manifests.add(new Manifest(source, object));
        }
        return manifests;
    }

    private static String sourceOf(String document) {
        for (String line : document.split("\n")) {
            if (line.startsWith("# Source: ")) {
                return line.substring("# Source: ".length()).trim();
            }
        }
        return "(unknown template)";
    }

    /** Paths of every field that landed in an {@code additionalProperties} map, e.g. {@code spec.template.spec.containers[0].readinesProbe}. */
    static List<String> unknownFields(Object model) {
        List<String> found = new ArrayList<>();
        walk(model, "", found);
        return found;
    }

    private static void walk(Object value, String path, List<String> found) {
        if (value == null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                walk(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> walk(v, path + "[" + k + "]", found));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = getter.getName();
            if (!name.startsWith("get") || name.equals("getClass")) {
                continue;
            }
            Object child = invoke(getter, value);
            if (name.equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(key -> found.add(join(path, String.valueOf(key))));
                }
                continue;
            }
            String field = Character.toLowerCase(name.charAt(3)) + name.substring(4);
            walk(child, join(path, field), found);
        }
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + getter + " of " + target.getClass().getName(), e);
        }
    }
}

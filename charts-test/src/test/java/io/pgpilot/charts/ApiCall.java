package io.pgpilot.charts;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One request to the Kubernetes API as the local API server's audit log records it ({@code METHOD /path?query client}),
 * read the way the API server's authorizer reads it: which RBAC verb on which resource of which API group.
 *
 * @param verb      get, list, watch, create, update, patch, delete or deletecollection
 * @param apiGroup  "" for the core group
 * @param resource  the plural resource, with its subresource as RBAC writes it ({@code pods/status})
 * @param namespace null for a cluster-scoped request
 * @param name      null for a request on a collection
 */
record ApiCall(String verb, String apiGroup, String resource, String namespace, String name) {

    /** The RBAC rule that allows this call. */
    Permission permission() {
        return new Permission(apiGroup, resource, verb);
    }

    /**
     * Reads one audit line. Discovery requests ({@code /api}, {@code /apis/coordination.k8s.io/v1}, {@code /version})
     * are not resource requests; Kubernetes allows them to every authenticated user, so they give empty.
     *
     * @throws IllegalArgumentException for a line that is not {@code METHOD /path}, naming the line
     */
    static Optional<ApiCall> parse(String line) {
        // METHOD /path?query [client]: the client (User-Agent) is for choosing lines, not for the permission.
        String[] parts = line.trim().split(" ");
        if (parts.length < 2 || parts.length > 3 || !parts[1].startsWith("/")) {
            throw new IllegalArgumentException("audit line '" + line + "' is not 'METHOD /path?query [client]'");
        }
        String method = parts[0].toUpperCase(Locale.ROOT);
        String target = parts[1].trim();
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toList();

        String group;
        List<String> rest;
        if (segments.size() >= 2 && segments.get(0).equals("api")) {
            group = "";
            rest = segments.subList(2, segments.size());
        } else if (segments.size() >= 3 && segments.get(0).equals("apis")) {
            group = segments.get(1);
            rest = segments.subList(3, segments.size());
        } else {
            return Optional.empty(); // /api, /apis, /apis/<group>, /version, /healthz, ...
        }
        if (rest.isEmpty()) {
            return Optional.empty(); // /api/v1, /apis/<group>/<version>: the discovery document of a group
        }

        String namespace = null;
        String resource;
        String name = null;
        String subresource = null;
        if (rest.get(0).equals("namespaces") && rest.size() >= 3) {
            namespace = rest.get(1);
            resource = rest.get(2);
            name = rest.size() > 3 ? rest.get(3) : null;
            subresource = rest.size() > 4 ? rest.get(4) : null;
        } else {
            resource = rest.get(0);
            name = rest.size() > 1 ? rest.get(1) : null;
            subresource = rest.size() > 2 ? rest.get(2) : null;
        }
        boolean watch = Arrays.stream(query.split("&")).anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
        String verb = switch (method) {
            case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> throw new IllegalArgumentException("audit line '" + line + "': method " + method + " is not a Kubernetes API verb");
        };
        return Optional.of(new ApiCall(verb, group, subresource == null ? resource : resource + "/" + subresource, namespace, name));
    }
}

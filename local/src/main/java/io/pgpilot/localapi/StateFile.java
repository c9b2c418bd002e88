package io.pgpilot.localapi;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The local API server's ConfigMaps and Leases on disk, so that a stopped local cluster starts again with
 * the state that belongs to its data directories (spec, C-state, keeper statuses, requests, the primary
 * lease and the sentinel election). Pods and Events are not kept: the local supervisor recreates its Pods,
 * and Events are history.
 *
 * <p>The file is a snapshot of every ConfigMap and Lease, rewritten whole after each change and replaced
 * atomically, so a reader (or a restart after SIGKILL) sees either the old or the new snapshot, never a mix.
 */
final class StateFile {

    static final int FORMAT = 1;

    /** A persisted kind: the file's field for it and where the CRUD dispatcher keeps it. */
    private record Kind(String field, String kind, String apiVersion, String prefix, String plural) {

        String listPath() {
            return prefix + "/" + plural;
        }

        String createPath(String namespace) {
            return prefix + "/namespaces/" + namespace + "/" + plural;
        }
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("configMaps", "ConfigMap", "v1", "/api/v1", "configmaps"),
            new Kind("leases", "Lease", "coordination.k8s.io/v1", "/apis/coordination.k8s.io/v1", "leases"));

    /** Paths (without query) whose writes change what the file holds: the objects, or a collection of them. */
    private static final Pattern PERSISTED_PATH =
            Pattern.compile("/(?:api/v1|apis/coordination\\.k8s\\.io/v1)/(?:namespaces/[^/]+/)?(?:configmaps|leases)(?:/.*)?");

    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    /**
     * Metadata a restored object keeps. The rest (uid, resourceVersion, creationTimestamp, generation,
     * managedFields, deletionTimestamp) belongs to the server that made it; the dispatcher assigns its own.
     */
    private static final Set<String> KEPT_METADATA = Set.of("name", "namespace", "labels", "annotations", "ownerReferences", "finalizers");

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private final Path file;
    private final KubernetesCrudDispatcher crud;
    private final Object writeLock = new Object();

    StateFile(Path file, KubernetesCrudDispatcher crud) {
        this.file = file.toAbsolutePath().normalize();
        this.crud = crud;
    }

    Path path() {
        return file;
    }

    /** Whether an answered request changed ConfigMaps or Leases, so the file must be rewritten before the answer goes out. */
    static boolean changes(String method, String path, int code) {
        return code >= 200 && code < 300 && MUTATING.contains(method) && PERSISTED_PATH.matcher(path).matches();
    }

    /**
     * Recreates every object the file holds; nothing when there is no file. Call before the server listens,
     * so that no client ever sees a partly restored store.
     *
     * @throws StateFileException when the file cannot be read or an object in it is refused
     */
    void restore() throws StateFileException {
        if (!Files.exists(file)) {
            return;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw unusable("is not valid JSON (" + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : "")
                    + ")", e);
        } catch (IOException e) {
            throw unusable("cannot be read (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw unusable("is not a JSON object", null);
        }
        JsonNode format = root.path("format");
        if (format.asInt(-1) != FORMAT) {
            throw unusable(format.isMissingNode() ? "has no \"format\"" : "has format " + format + "; this server reads format " + FORMAT, null);
        }
        advanceResourceVersion(root.path("resourceVersion"));
        for (Kind kind : KINDS) {
            JsonNode items = root.get(kind.field());
            if (items == null || !items.isArray()) {
                throw unusable("has no array \"" + kind.field() + "\"", null);
            }
            for (JsonNode item : items) {
                create(kind, item);
            }
        }
    }

    /**
     * Resource versions keep growing across a restart: a restored object gets a version no object ever had
     * before, so a client that kept a version from before the restart gets a conflict and re-reads, instead of
     * a compare-and-swap that succeeds by coincidence against a different object state.
     */
    private void advanceResourceVersion(JsonNode saved) throws StateFileException {
        long version;
        try {
            version = Long.parseLong(saved.asString(""));
        } catch (NumberFormatException e) {
            throw unusable("has no numeric \"resourceVersion\"", e);
        }
        while (crud.requestResourceVersion() < version) {
            // the dispatcher's counter can only be advanced one step at a time
        }
    }

    private void create(Kind kind, JsonNode item) throws StateFileException {
        JsonNode metadata = item.path("metadata");
        String name = metadata.path("name").asString("");
        String namespace = metadata.path("namespace").asString("");
        if (!item.isObject() || name.isEmpty() || namespace.isEmpty()) {
            throw unusable("holds a " + kind.kind() + " without metadata.name and metadata.namespace", null);
        }
        ObjectNode object = ((ObjectNode) item).deepCopy();
        object.put("kind", kind.kind());
        object.put("apiVersion", kind.apiVersion());
        ObjectNode kept = MAPPER.createObjectNode();
        for (String field : KEPT_METADATA) {
            if (metadata.has(field)) {
                kept.set(field, metadata.get(field));
            }
        }
        object.set("metadata", kept);
        Headers headers = Headers.builder().add("Content-Type", "application/json").build();
        RecordedRequest request = new RecordedRequest("HTTP/1.1", HttpMethod.POST, kind.createPath(namespace), headers,
                new Buffer(MAPPER.writeValueAsBytes(object)));
        MockResponse response = crud.handleCreate(request);
        if (response.code() != 201) {
            throw unusable("holds " + kind.kind() + " " + namespace + "/" + name + ", which the API server refuses ("
                    + response.code() + ": " + oneLine(response.getBody().readUtf8()) + ")", null);
        }
    }

    /**
     * Writes every ConfigMap and Lease to the file, atomically. Snapshots are taken and written one at a time,
     * each after the change that asked for it, so the last file written holds every change answered before it.
     */
    void save() throws IOException {
        synchronized (writeLock) {
            ObjectNode state = MAPPER.createObjectNode();
            state.put("format", FORMAT);
            state.put("resourceVersion", "0"); // set below; placed here to stay at the top of the file
            long version = 0;
            for (Kind kind : KINDS) {
                JsonNode list = list(kind.listPath());
                version = Math.max(version, Long.parseLong(list.path("metadata").path("resourceVersion").asString("0")));
                ArrayNode items = state.putArray(kind.field());
                list.path("items").forEach(items::add);
            }
            state.put("resourceVersion", Long.toString(version));
            write(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
        }
    }

    private JsonNode list(String path) throws IOException {
        MockResponse response = crud.handleGet(path);
        String body = response.getBody() == null ? "" : response.getBody().readUtf8();
        if (response.code() != 200) {
            throw new IOException("listing " + path + " in the store answered " + response.code() + ": " + oneLine(body));
        }
        return MAPPER.readTree(body);
    }

    /**
     * A temp file in the same directory renamed over the old one. Not fsynced: the file has to outlive the
     * process (`local down`, a killed server), and this runs on the server's event loop, where an fsync per
     * lease renewal would stall every client behind PostgreSQL's own disk writes (measured up to 300 ms on a
     * busy disk). A machine crash can therefore lose the last changes.
     */
    private void write(byte[] bytes) throws IOException {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private StateFileException unusable(String problem, Throwable cause) {
        return new StateFileException(oneLine("the API state file " + file + " " + problem
                + "; repair it, or move it away to start with an empty API server"), cause);
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s+", " ").trim();
    }
}

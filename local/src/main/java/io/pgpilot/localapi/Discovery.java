package io.pgpilot.localapi;

import java.util.Map;

/**
 * The discovery documents kubectl reads before any request. The mock server's CRUD mode does not serve
 * them, so they are answered here for the kinds pgpilot uses.
 */
final class Discovery {

    private Discovery() {
    }

    private static final String CORE_RESOURCES = """
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
             %s,%s,%s,%s,%s,%s,%s]}""".formatted(
            resource("configmaps", "ConfigMap", "cm"),
            resource("pods", "Pod", "po"),
            resource("events", "Event", "ev"),
            resource("secrets", "Secret", null),
            resource("services", "Service", "svc"),
            resource("endpoints", "Endpoints", "ep"),
            resource("persistentvolumeclaims", "PersistentVolumeClaim", "pvc"));

    private static final String COORDINATION_RESOURCES = """
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"coordination.k8s.io/v1","resources":[%s]}"""
            .formatted(resource("leases", "Lease", null));

    private static final String APPS_RESOURCES = """
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[%s,%s]}"""
            .formatted(resource("statefulsets", "StatefulSet", "sts"), resource("deployments", "Deployment", "deploy"));

    private static final String GROUPS = """
            {"kind":"APIGroupList","apiVersion":"v1","groups":[%s,%s]}""".formatted(group("coordination.k8s.io"), group("apps"));

    private static String resource(String plural, String kind, String shortName) {
        return """
                {"name":"%s","singularName":"%s","namespaced":true,"kind":"%s","verbs":["create","delete","deletecollection","get","list","patch","update","watch"]%s}"""
                .formatted(plural, kind.toLowerCase(), kind, shortName == null ? "" : ",\"shortNames\":[\"" + shortName + "\"]");
    }

    private static String group(String name) {
        return """
                {"name":"%1$s","versions":[{"groupVersion":"%1$s/v1","version":"v1"}],"preferredVersion":{"groupVersion":"%1$s/v1","version":"v1"}}"""
                .formatted(name);
    }

    /** The document for a discovery path (query string already removed), or null when the path is not one. */
    static String document(String path, String serverAddress) {
        Map<String, String> documents = Map.of(
                "/api", "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\""
                        + serverAddress + "\"}]}",
                "/api/v1", CORE_RESOURCES,
                "/apis", GROUPS,
                "/apis/coordination.k8s.io/v1", COORDINATION_RESOURCES,
                "/apis/apps/v1", APPS_RESOURCES,
                "/version", "{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.0-pgpilot-local\",\"platform\":\"linux/amd64\"}");
        return documents.get(path);
    }
}

package io.pgpilot.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiCallTest {

    static ApiCall parse(String line) {
        return ApiCall.parse(line).orElseThrow();
    }

    @Test
    void getOnANameIsGetAndOnACollectionIsList() {
        assertThat(parse("GET /api/v1/namespaces/db/configmaps/demo-spec"))
                .isEqualTo(new ApiCall("get", "", "configmaps", "db", "demo-spec"));
        assertThat(parse("GET /apis/coordination.k8s.io/v1/namespaces/db/leases?labelSelector=pgpilot.io%2Fcluster%3Ddemo"))
                .isEqualTo(new ApiCall("list", "coordination.k8s.io", "leases", "db", null));
    }

    @Test
    void aWatchQueryIsWatch() {
        assertThat(parse("GET /api/v1/namespaces/db/configmaps?allowWatchBookmarks=true&resourceVersion=0&watch=true").verb()).isEqualTo("watch");
        assertThat(parse("GET /api/v1/namespaces/db/configmaps?watch=1").verb()).isEqualTo("watch");
        assertThat(parse("GET /api/v1/namespaces/db/configmaps?watch=false").verb()).isEqualTo("list");
    }

    @Test
    void writesMapToTheirVerbs() {
        assertThat(parse("POST /api/v1/namespaces/db/events").verb()).isEqualTo("create");
        assertThat(parse("PUT /apis/coordination.k8s.io/v1/namespaces/db/leases/demo-primary").verb()).isEqualTo("update");
        assertThat(parse("PATCH /apis/coordination.k8s.io/v1/namespaces/db/leases/demo-sentinel").verb()).isEqualTo("patch");
        assertThat(parse("DELETE /apis/coordination.k8s.io/v1/namespaces/db/leases/demo-keeper-x").verb()).isEqualTo("delete");
        assertThat(parse("DELETE /api/v1/namespaces/db/pods").verb()).isEqualTo("deletecollection");
    }

    @Test
    void subresourcesAndClusterScopedResourcesAreNamedAsRbacNamesThem() {
        assertThat(parse("PUT /api/v1/namespaces/db/pods/demo-keeper-0/status")).isEqualTo(new ApiCall("update", "", "pods/status", "db", "demo-keeper-0"));
        assertThat(parse("GET /api/v1/nodes/n1")).isEqualTo(new ApiCall("get", "", "nodes", null, "n1"));
        assertThat(parse("GET /api/v1/namespaces/db")).isEqualTo(new ApiCall("get", "", "namespaces", null, "db"));
    }

    @Test
    void discoveryIsNotAResourceRequest() {
        assertThat(ApiCall.parse("GET /api")).isEmpty();
        assertThat(ApiCall.parse("GET /api/v1?timeout=32s")).isEmpty();
        assertThat(ApiCall.parse("GET /apis/coordination.k8s.io/v1")).isEmpty();
        assertThat(ApiCall.parse("GET /version")).isEmpty();
    }

    @Test
    void aLineThatIsNotARequestIsRefusedNamingIt() {
        assertThatThrownBy(() -> ApiCall.parse("hello")).hasMessageContaining("audit line 'hello'");
        assertThatThrownBy(() -> ApiCall.parse("CONNECT /api/v1/namespaces/db/pods/x")).hasMessageContaining("method CONNECT");
    }
}

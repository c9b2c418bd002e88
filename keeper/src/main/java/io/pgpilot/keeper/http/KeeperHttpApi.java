package io.pgpilot.keeper.http;

import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.keeper.converge.WritePermission;
import io.pgpilot.keeper.member.KeeperMetrics;
import io.pgpilot.keeper.member.Member;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The keeper's HTTP API: Kubernetes probes, Patroni-compatible role checks for HAProxy, the status, the
 * lease confirmation the proxy asks for when the API server is slow, and Prometheus metrics.
 */
@RestController
public class KeeperHttpApi {

    private final Member keeper;
    private final KeeperMetrics metrics;

    public KeeperHttpApi(Member keeper, KeeperMetrics metrics) {
        this.keeper = keeper;
        this.metrics = metrics;
    }

    /** Liveness: the keeper process answers. */
    @GetMapping("/health")
    public ResponseEntity<String> health() {
        return json(200, Map.of("keeper", keeper.name(), "alive", true));
    }

    /** Ready = a primary holding its lease, or a standby streaming within spec.maxLagForReadsBytes. */
    @GetMapping("/readiness")
    public ResponseEntity<String> readiness() {
        boolean ready = keeper.isServingPrimary() || keeper.isServingStandby();
        return json(ready ? 200 : 503, Map.of("keeper", keeper.name(), "ready", ready, "state", keeper.status().state()));
    }

    /** Patroni's GET /primary: 200 only on the writable primary. */
    @GetMapping({"/primary", "/master", "/leader"})
    public ResponseEntity<String> primary() {
        boolean primary = keeper.isServingPrimary();
        return json(primary ? 200 : 503, Map.of("keeper", keeper.name(), "role", keeper.status().role()));
    }

    /** Patroni's GET /replica: 200 on a streaming standby within the lag for reads. */
    @GetMapping("/replica")
    public ResponseEntity<String> replica() {
        boolean replica = keeper.isServingStandby();
        return json(replica ? 200 : 503, Map.of("keeper", keeper.name(), "role", keeper.status().role(), "lagBytes", keeper.status().lagBytes()));
    }

    @GetMapping("/status")
    public ResponseEntity<String> status() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(keeper.status().toJson());
    }

    /**
     * 200 only while this keeper holds the primary lease within its renew deadline and PostgreSQL runs as a
     * writable primary: the proxy routes writes on this answer, so a standby still being promoted says 503.
     */
    @GetMapping("/lease")
    public ResponseEntity<String> lease() {
        var view = keeper.view();
        WritePermission permission = keeper.permission(view);
        boolean valid = keeper.isServingPrimary();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("keeper", keeper.name());
        body.put("holder", permission.holder());
        body.put("epoch", view.lease() == null ? 0 : view.lease().epoch());
        body.put("fenced", keeper.fenced());
        body.put("msSinceRenewal", keeper.renewal().millisSinceRenewal());
        body.put("failsafe", keeper.inFailsafe());
        return json(valid ? 200 : 503, body);
    }

    /**
     * Failsafe: the primary {@code primary}, unable to reach the API server, asks this member to confirm it at
     * {@code epoch}. 200 is this member's promise not to become writable for {@code windowMs}; 409 says why it
     * does not confirm (it reads another primary, or is planned as one).
     */
    @PostMapping("/failsafe")
    public ResponseEntity<String> failsafe(@RequestParam String primary, @RequestParam long epoch, @RequestParam long windowMs) {
        long window = Math.min(Math.max(windowMs, 0), keeper.view().spec().leaseDurationMs());
        String refused = keeper.promise(primary, epoch, window);
        if (refused != null) {
            return json(409, Map.of("keeper", keeper.name(), "confirmed", false, "why", refused));
        }
        return json(200, Map.of("keeper", keeper.name(), "confirmed", true, "promisedMs", window));
    }

    @GetMapping("/metrics")
    public ResponseEntity<String> metrics() {
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/plain; version=0.0.4; charset=utf-8"))
                .body(metrics.scrape());
    }

    private static ResponseEntity<String> json(int code, Map<String, ?> body) {
        return ResponseEntity.status(code).contentType(MediaType.APPLICATION_JSON).body(ClusterJson.write(body));
    }
}

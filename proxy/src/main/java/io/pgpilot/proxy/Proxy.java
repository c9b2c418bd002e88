package io.pgpilot.proxy;

import io.pgpilot.proxy.cluster.ClusterFollower;
import io.pgpilot.proxy.cluster.HolderProbe;
import io.pgpilot.proxy.http.HealthServer;
import io.pgpilot.proxy.metrics.ProxyMetrics;
import io.pgpilot.proxy.net.ProxyServer;
import io.pgpilot.proxy.net.Switchboard;
import io.pgpilot.proxy.routing.Primary;
import io.pgpilot.proxy.routing.Router;
import io.pgpilot.proxy.routing.RoutingTable;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.time.MonotonicClock;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running proxy: listeners, the cluster follower that feeds them, and the HTTP endpoint. */
public final class Proxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    private final ProxyMetrics metrics = new ProxyMetrics();
    private final Switchboard switchboard;
    private final ProxyServer server;
    private ClusterFollower follower;
    private HealthServer http;

    private Proxy(ProxyConfig config) {
        switchboard = new Switchboard(metrics, MonotonicClock.system());
        server = new ProxyServer(config.listeners(), switchboard, metrics);
    }

    /** Starts a proxy that follows the cluster in {@code store}. */
    public static Proxy start(ProxyConfig config, ClusterStore store) throws IOException, InterruptedException {
        Proxy proxy = new Proxy(config);
        try {
            proxy.server.start();
            MonotonicClock clock = MonotonicClock.system();
            proxy.follower = new ClusterFollower(store, clock, new Router(config.roFallbackToPrimary()),
                    new HolderProbe(clock, Duration.ofSeconds(1)), proxy.switchboard::apply);
            proxy.follower.start();
            proxy.startHttp(config);
            return proxy;
        } catch (IOException | InterruptedException | RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    /** Bench/test aid: both ports go to one fixed server, without any cluster or fencing. */
    public static Proxy startStatic(ProxyConfig config) throws IOException, InterruptedException {
        Proxy proxy = new Proxy(config);
        try {
            proxy.server.start();
            var backend = config.staticBackend();
            log.warn("static backend {}: no cluster is followed and nothing is fenced; this mode is for benchmarks and tests only", backend);
            proxy.switchboard.apply(new RoutingTable(new Primary(backend, 0, "static backend"), "static backend " + backend,
                    List.of(backend), Set.of(backend), "static backend " + backend));
            proxy.startHttp(config);
            return proxy;
        } catch (IOException | InterruptedException | RuntimeException e) {
            proxy.close();
            throw e;
        }
    }

    private void startHttp(ProxyConfig config) throws IOException {
        if (config.httpPort() > 0) {
            http = new HealthServer(config.httpHost(), config.httpPort(), switchboard, metrics, server.transportName());
            log.info("health and metrics on http://{}:{}/health and /metrics", config.httpHost(), http.port());
        }
    }

    public int rwPort() {
        return server.rwPort();
    }

    public int roPort() {
        return server.roPort();
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public Switchboard switchboard() {
        return switchboard;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
        if (http != null) {
            http.close();
        }
        server.close();
    }
}

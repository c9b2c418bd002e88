package io.pgpilot.proxy.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgpilot.proxy.routing.Backend;
import io.pgpilot.proxy.routing.Listener;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The proxy's Prometheus metrics, served on {@code GET /metrics}. */
public final class ProxyMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();
    private final Counter switches;
    private final Timer waitedAndGot;
    private final Timer waitedInVain;
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Counter> cancels = new ConcurrentHashMap<>();
    private final Counter fenced;

    public ProxyMetrics() {
        switches = Counter.builder("pgpilot.proxy.primary.switches")
                .description("times the rw backend changed (including to none)").register(registry);
        waitedAndGot = waitTimer("primary");
        waitedInVain = waitTimer("timeout");
        fenced = Counter.builder("pgpilot.proxy.connections.fenced")
                .description("client connections closed because their backend stopped being valid").register(registry);
    }

    private Timer waitTimer(String outcome) {
        return Timer.builder("pgpilot.proxy.primary.wait")
                .description("time new rw clients waited for a valid primary, by outcome").tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
    }

    /** The live count of open connections from {@code listener} to {@code backend}. */
    public AtomicInteger active(Listener listener, Backend backend) {
        return active.computeIfAbsent(listener.label() + "|" + backend.keeper() + "|" + backend.host() + ":" + backend.port(), key -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("pgpilot.proxy.connections.active", count, AtomicInteger::get)
                    .description("open client connections per listener and backend")
                    .tag("listener", listener.label()).tag("backend", backend.keeper())
                    .tag("address", backend.host() + ":" + backend.port())
                    .register(registry);
            return count;
        });
    }

    public void switched() {
        switches.increment();
    }

    public double switches() {
        return switches.count();
    }

    public void waitedForPrimary(Duration waited, boolean got) {
        (got ? waitedAndGot : waitedInVain).record(waited);
    }

    public void rejected(String reason) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("pgpilot.proxy.connections.rejected")
                .description("client connections refused before reaching a backend").tag("reason", r).register(registry)).increment();
    }

    public void cancel(String outcome) {
        cancels.computeIfAbsent(outcome, o -> Counter.builder("pgpilot.proxy.cancel.requests")
                .description("PostgreSQL CancelRequests by outcome").tag("outcome", o).register(registry)).increment();
    }

    public void fenced(int connections) {
        fenced.increment(connections);
    }

    public String scrape() {
        return registry.scrape();
    }
}

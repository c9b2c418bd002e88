package io.pgpilot.keeper.member;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgpilot.cluster.PostgresRole;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The keeper's Prometheus metrics: what this member is, and what it did (crashes seen, fences, actions). */
public final class KeeperMetrics {

    private final PrometheusMeterRegistry registry;
    private final Counter crashes;
    private final Timer fenceTimer;
    private final Map<String, Counter> actions = new ConcurrentHashMap<>();

    public KeeperMetrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
        this.crashes = Counter.builder("pgpilot_keeper_postgres_crashes").description("postmaster exits the keeper did not ask for").register(registry);
        this.fenceTimer = Timer.builder("pgpilot_keeper_fence_duration").description("from the renew deadline passing to the postmaster gone")
                .register(registry);
    }

    /** The gauges read from {@code member} at each scrape. */
    public void watch(Member member) {
        Gauge.builder("pgpilot_keeper_is_primary", () -> member.observation().role() == PostgresRole.PRIMARY ? 1 : 0).register(registry);
        Gauge.builder("pgpilot_keeper_is_standby", () -> member.observation().role() == PostgresRole.STANDBY ? 1 : 0).register(registry);
        Gauge.builder("pgpilot_keeper_fenced", () -> member.fenced() ? 1 : 0).register(registry);
        Gauge.builder("pgpilot_keeper_failsafe", () -> member.inFailsafe() ? 1 : 0)
                .description("1 while this primary accepts writes on its members' confirmations, the API server not answering").register(registry);
        Gauge.builder("pgpilot_keeper_lag_bytes", () -> member.status().lagBytes()).register(registry);
        Gauge.builder("pgpilot_keeper_lag_seconds", () -> member.status().lagSeconds()).register(registry);
        Gauge.builder("pgpilot_keeper_ms_since_lease_renewal", member.renewal()::millisSinceRenewal).register(registry);
        Gauge.builder("pgpilot_keeper_timeline", () -> member.status().timeline()).register(registry);
    }

    void crashed() {
        crashes.increment();
    }

    void fenced(long tookNanos) {
        fenceTimer.record(tookNanos, TimeUnit.NANOSECONDS);
    }

    void acted(String action) {
        actions.computeIfAbsent(action, a -> Counter.builder("pgpilot_keeper_actions").tag("action", a).register(registry)).increment();
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }
}

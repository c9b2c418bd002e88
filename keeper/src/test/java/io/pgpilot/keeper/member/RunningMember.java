package io.pgpilot.keeper.member;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.time.MonotonicClock;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A member's heartbeat and fence watchdog running on threads against an API server, over a stand-in for
 * PostgreSQL: the keeper's lease rule at work without processes. No convergence loop: a test moves the
 * member through its transitions itself.
 */
final class RunningMember implements AutoCloseable {

    final Member member;
    final StandInPostgres postgres;
    final KeeperMetrics metrics;
    private final Thread heartbeat;
    private final Thread watchdog;

    /**
     * @param httpPort  the port its status names for the keepers' HTTP API
     * @param marksFile where it keeps the highest epoch and generation it read
     */
    RunningMember(String name, int httpPort, StandInPostgres postgres, ClusterStore store, Path marksFile) {
        this.postgres = postgres;
        this.member = new Member(name, postgres, new RenewalClock(MonotonicClock.system()), KeeperStatus.starting(name, "127.0.0.1", 5432, httpPort));
        postgres.of(member);
        Wakeups wakeups = new Wakeups();
        Milestones milestones = new Milestones();
        milestones.passed();   // no convergence loop here: the first publication need not wait for its decision
        metrics = new KeeperMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        HighWaterMarks marks = new HighWaterMarks(marksFile, (file, text) -> Files.writeString(file, text));
        Heartbeat beat = new Heartbeat(member, store, postgres, new StatusPublication(store), wakeups, milestones, marks);
        beat.begin(ClusterReading.issue(store));
        heartbeat = daemon(name + "-heartbeat", beat::run);
        watchdog = daemon(name + "-watchdog", new FenceWatchdog(member, postgres, metrics)::run);
    }

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Override
    public void close() throws InterruptedException {
        member.beginStopping();
        heartbeat.join(5_000);
        watchdog.join(5_000);
    }
}

package io.pgpilot.keeper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.config.Settings;
import io.pgpilot.keeper.member.ClusterReading;
import io.pgpilot.keeper.member.EarlyStart;
import io.pgpilot.keeper.member.KeeperMetrics;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.keeper.postgres.PostgresProbe;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.ParallelReads;
import io.pgpilot.store.Read;
import io.pgpilot.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Entry point of the keeper process: validates the settings (every problem at once, nothing touched),
 * checks the data directory belongs to this cluster, starts the HTTP API, then the keeper's threads.
 * Exit code 2 = bad settings or foreign data, 1 = could not start.
 */
public final class KeeperMain {

    private static final Logger log = LoggerFactory.getLogger(KeeperMain.class);
    /** Bound on each Kubernetes API request; below any sane renew deadline. Fencing does not depend on it. */
    static final Duration API_REQUEST_TIMEOUT = Duration.ofMillis(1_000);
    /** Longest the HTTP API waits for the keeper's first settled status; well inside the chart's startup probe (120 s). */
    static final Duration WEB_SERVER_DEFERRAL = Duration.ofSeconds(10);

    private KeeperMain() {
    }

    public static void main(String[] args) {
        KeeperConfig config;
        try {
            config = KeeperConfig.parse(args, System.getenv());
        } catch (Settings.BadSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // Before anything else: a restarted standby's PostgreSQL then starts beside the rest of the JVM's start.
        EarlyStart.Started startedEarly = EarlyStart.attempt(config.workArea(), config.commands(), config.passwords(), config.name(),
                config.pgListenHost(), config.pgPort());
        PostgresProbe probe = new PostgresProbe(config.localHost(), config.pgPort(), config.passwords().superuser());
        PostgresNode node = new PostgresNode(config.workArea(), config.commands(), config.passwords(), probe);
        if (startedEarly != null) {
            node.adopt(startedEarly.postmaster());
            awaitAnsweringInBackground(node, startedEarly);
        }
        ClusterStore store = config.kube().store(API_REQUEST_TIMEOUT);
        // Read once, all at the same time and as early as possible: the data check below, the keeper's carry-over
        // of its last status and its first heartbeat all decide on it, and every request counts in a restarted
        // member's rejoin.
        ClusterReading atStart = ClusterReading.issue(store);
        String foreign = foreignData(config, node, atStart);
        if (foreign != null) {
            if (startedEarly != null) {
                node.stopFast(Duration.ofSeconds(10));
                foreign += " (PostgreSQL had been started in recovery on it before this check and was stopped: it wrote nothing but its own recovery)";
            }
            System.err.println("keeper cannot start:\n  - " + foreign);
            System.exit(2);
            return;
        }
        Keeper keeper = new Keeper(config, store, node, new KeeperMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
        try {
            // With a fixed HTTP port the keeper converges first, and publishes it, and the web server starts after
            // (a second or more of CPU on a small machine, which would slow the rejoin: the rewind, the start of
            // PostgreSQL, the status saying it streams). Bounded, so that a long clone does not keep the health
            // endpoint away from the kubelet's probes. Port 0 must start the web server first to learn the real port.
            boolean early = config.httpPort() > 0;
            var context = new java.util.concurrent.atomic.AtomicReference<ConfigurableApplicationContext>();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                keeper.shutdown();
                if (context.get() != null) {
                    context.get().close();
                }
            }, "keeper-shutdown"));
            if (early) {
                keeper.start(config.httpPort(), atStart, startedEarly);
                if (!keeper.milestones().awaitFirstSettled(WEB_SERVER_DEFERRAL)) {
                    log.info("not converged and published after {} s; starting the HTTP API meanwhile", WEB_SERVER_DEFERRAL.toSeconds());
                }
            }
            // Built only now: constructing a SpringApplication already loads a good part of Spring (its
            // factories), CPU that the keeper's first steps on a busy machine would otherwise wait for.
            context.set(webServer(config, keeper).run());
            int httpPort = ((WebServerApplicationContext) context.get()).getWebServer().getPort();
            if (!early) {
                keeper.start(httpPort, atStart, startedEarly);
            }
        } catch (Exception e) {
            log.error("keeper cannot start: {}", e.getMessage(), e);
            System.exit(1);
        }
    }

    /**
     * Connects to the PostgreSQL started early as soon as it answers, in the background: the keeper's first
     * decision observes it through the same pool, and a cold first connection (the driver's code, the SCRAM
     * exchange) took a few hundred milliseconds of a rejoin when that decision made it. Meanwhile the main
     * thread mostly waits for the API server's first answers.
     */
    private static void awaitAnsweringInBackground(PostgresNode node, EarlyStart.Started started) {
        Thread t = new Thread(() -> {
            try {
                node.awaitAnswering(started.postmaster(), Duration.ofSeconds(30));
            } catch (java.io.IOException e) {
                // A long replay: hot standby answers only once the data is consistent. The keeper's loop connects later.
                log.info("PostgreSQL started before the cluster was read does not answer yet: {}", e.getMessage());
            }
        }, "keeper-early-connect");
        t.setDaemon(true);
        t.start();
    }

    private static SpringApplication webServer(KeeperConfig config, Keeper keeper) {
        // Logging is set up once, by pgpilot's own configurator (io.pgpilot.logging); Spring Boot re-initialising
        // it would change the line format halfway through the log.
        System.setProperty(LoggingSystem.SYSTEM_PROPERTY, LoggingSystem.NONE);
        // What Spring Boot's logging system would have done and pgpilot needs: Tomcat logs through
        // java.util.logging, whose lines would otherwise reach stderr in another format and unfiltered.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        SpringApplication app = new SpringApplication(KeeperApplication.class);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.setRegisterShutdownHook(false);
        app.setDefaultProperties(Map.of(
                "server.address", config.httpHost(),
                "server.port", Integer.toString(config.httpPort()),
                "spring.main.lazy-initialization", "false",
                "spring.jmx.enabled", "false"));
        app.addInitializers(ctx -> ctx.getBeanFactory().registerSingleton("keeper", keeper));
        return app;
    }

    /**
     * A non-empty data directory whose system identifier differs from the one the cluster's primary reports
     * belongs to another cluster: refuse to start rather than stream into or rewind it. When the API server
     * cannot be reached the check is left to the keeper's loop, which refuses the same way.
     */
    static String foreignData(KeeperConfig config, PostgresNode node, ClusterReading reading) {
        if (config.workArea().pgdataEmpty()) {
            return null;
        }
        String mine = node.systemIdentifier();
        if (mine == null) {
            return "data directory " + config.workArea().pgdata() + " is not empty but pg_controldata cannot read it: it is not a PostgreSQL 15 data directory; "
                    + "move it away or point --data-dir elsewhere; nothing was changed";
        }
        try {
            Read<ClusterState> state = ParallelReads.join(reading.state());
            if (!(state instanceof Read.Found<ClusterState> found) || found.value().primary() == null || found.value().primary().equals(config.name())) {
                return null;
            }
            String primary = found.value().primary();
            for (KeeperRecord record : ParallelReads.join(reading.keepers())) {
                if (record.keeper().equals(primary) && record.status() instanceof Read.Found<KeeperStatus> status) {
                    String theirs = status.value().systemIdentifier();
                    if (theirs != null && !theirs.equals(mine)) {
                        return "data directory " + config.workArea().pgdata() + " has system identifier " + mine + " but cluster "
                                + config.kube().cluster() + "'s primary " + primary + " has " + theirs
                                + ": it belongs to another cluster. Move it away or give this keeper its own volume; nothing was changed";
                    }
                }
            }
        } catch (StoreUnavailableException e) {
            log.warn("cannot check the data directory against the cluster yet ({}); the keeper loop will", e.getMessage());
        }
        return null;
    }
}

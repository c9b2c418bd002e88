package io.pgpilot.keeper;

import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.keeper.member.ActionExecutor;
import io.pgpilot.keeper.member.ClusterReading;
import io.pgpilot.keeper.member.ClusterWatch;
import io.pgpilot.keeper.member.ConvergenceLoop;
import io.pgpilot.keeper.member.DivergenceCheck;
import io.pgpilot.keeper.member.EarlyStart;
import io.pgpilot.keeper.member.FenceWatchdog;
import io.pgpilot.keeper.member.GracefulStop;
import io.pgpilot.keeper.member.Heartbeat;
import io.pgpilot.keeper.member.HighWaterMarks;
import io.pgpilot.keeper.member.KeeperMetrics;
import io.pgpilot.keeper.member.Member;
import io.pgpilot.keeper.member.Milestones;
import io.pgpilot.keeper.member.PrimaryDuties;
import io.pgpilot.keeper.member.RenewalClock;
import io.pgpilot.keeper.member.ServerConfiguration;
import io.pgpilot.keeper.member.SituationReader;
import io.pgpilot.keeper.member.StatusPublication;
import io.pgpilot.keeper.member.Wakeups;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.time.MonotonicClock;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One keeper at run time, wired from its parts ({@code io.pgpilot.keeper.member}) around one PostgreSQL:
 * <ul>
 *   <li>the {@link Heartbeat} reads the cluster every renew interval (sooner when nudged by the watch or by
 *       this keeper's own change), renews the primary Lease while it is this member's, and publishes the status;</li>
 *   <li>the {@link ConvergenceLoop} probes PostgreSQL, decides the next step and carries it out (the postmaster
 *       itself runs on a thread of its own, to which its parent-death signal is tied);</li>
 *   <li>the {@link FenceWatchdog} stops a writable primary whose renewal is past the renew deadline, whatever
 *       the other two are stuck on;</li>
 *   <li>the {@link GracefulStop}, on SIGTERM, hands a primary's last WAL and its Lease over.</li>
 * </ul>
 * What they share lives in {@link Member}, whose fields say which thread writes them.
 */
public final class Keeper {

    private static final Logger log = LoggerFactory.getLogger(Keeper.class);

    private final KeeperConfig config;
    private final PostgresNode node;
    private final Member member;
    private final Milestones milestones = new Milestones();
    private final KeeperMetrics metrics;
    private final DivergenceCheck divergence;
    private final SituationReader situations;
    private final Heartbeat heartbeat;
    private final ConvergenceLoop convergence;
    private final FenceWatchdog watchdog;
    private final ClusterWatch watch;
    private final GracefulStop gracefulStop;
    private Thread heartbeatThread;

    public Keeper(KeeperConfig config, ClusterStore store, PostgresNode node, KeeperMetrics metrics) {
        this.config = config;
        this.node = node;
        this.metrics = metrics;
        KeeperStatus initial = KeeperStatus.starting(config.name(), config.advertiseHost(), config.pgPort(), config.httpPort()).toBuilder()
                .priority(config.priority()).noFailover(config.noFailover()).build();
        this.member = new Member(config.name(), node, new RenewalClock(MonotonicClock.system()), initial);
        metrics.watch(member);
        Wakeups wakeups = new Wakeups();
        StatusPublication publication = new StatusPublication(store);
        ServerConfiguration configuration = new ServerConfiguration(config.name(), config.pgListenHost(), config.pgPort(), node);
        PrimaryDuties primary = new PrimaryDuties(member, node, configuration);
        this.divergence = new DivergenceCheck(node);
        this.situations = new SituationReader(member, node, divergence, configuration);
        HighWaterMarks marks = new HighWaterMarks(node.area().highWaterMarks(), node.area()::writePrivate);
        this.heartbeat = new Heartbeat(member, store, node, publication, wakeups, milestones, marks);
        ActionExecutor executor = new ActionExecutor(member, node, divergence, configuration, primary, publication, heartbeat, metrics);
        this.convergence = new ConvergenceLoop(member, node, situations, executor, primary, publication, heartbeat, wakeups, milestones, metrics);
        this.watchdog = new FenceWatchdog(member, node, metrics);
        this.watch = new ClusterWatch(member, store, heartbeat, milestones);
        this.gracefulStop = new GracefulStop(member, store, node, convergence, publication, divergence, configuration, watch, wakeups);
    }

    public Member member() {
        return member;
    }

    public Milestones milestones() {
        return milestones;
    }

    public KeeperMetrics metrics() {
        return metrics;
    }

    /**
     * Starts the keeper's threads.
     *
     * @param httpPort the port the HTTP API really listens on
     * @param atStart  the cluster as read at the process's start, for the carry-over of the last published
     *                 status and for the first heartbeat
     * @param early    what PostgreSQL was started with before that reading; null when it was not started
     */
    public void start(int httpPort, ClusterReading atStart, EarlyStart.Started early) throws IOException {
        if (early != null) {
            // Adopted as if this keeper's loop had started it: the first decision then sees a standby that streams
            // from its planned upstream (nothing to do), or one to re-point, stop or promote.
            situations.startedEarly(early);
            member.adoptEarlyStart(early);
        }
        node.area().prepare();
        if (early == null) {
            node.writePassfile();   // else EarlyStart wrote it a moment ago, before starting PostgreSQL
        }
        member.starting(httpPort, node.systemIdentifier());
        divergence.readAhead();
        divergence.whenLocalWalEndRead(member::walEndReadOffline);
        heartbeat.begin(atStart);
        heartbeatThread = thread("keeper-heartbeat", heartbeat::run);
        thread("keeper-converge", convergence::run);
        thread("keeper-fence-watchdog", watchdog::run);
        thread("keeper-watch-opener", watch::openAfterFirstConvergence);
        log.info("keeper {} started {} ms after its process: data directory {}, PostgreSQL on {}:{}, HTTP on {}", config.name(),
                millisSinceProcessStart(), node.area().pgdata(), config.advertiseHost(), config.pgPort(), httpPort);
    }

    /** SIGTERM: see {@link GracefulStop}. */
    public void shutdown() {
        gracefulStop.run(heartbeatThread);
    }

    private static Thread thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** How long the JVM took to get here: most of a rejoin, so worth a number in the log (-1 if unknown). */
    private static long millisSinceProcessStart() {
        return ProcessHandle.current().info().startInstant().map(at -> Duration.between(at, Instant.now()).toMillis()).orElse(-1L);
    }
}

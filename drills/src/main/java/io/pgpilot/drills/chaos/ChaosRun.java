package io.pgpilot.drills.chaos;

import io.pgpilot.cli.local.LocalConfig;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.drills.DrillCluster;
import io.pgpilot.drills.LocalProcesses;
import io.pgpilot.drills.PgConnections;
import io.pgpilot.drills.Polling;
import io.pgpilot.drills.PrimarySampler;
import io.pgpilot.drills.chaos.ChaosChecker.Key;
import io.pgpilot.drills.chaos.ChaosChecker.KindFigures;
import io.pgpilot.drills.chaos.ChaosChecker.Verdict;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * bench/chaos: a local cluster under writers and readers, hit by faults at random times and members, several
 * at once now and then, for a given time; then the history is judged ({@link ChaosChecker}): every
 * acknowledged write on the final primary (synchronous mode: none may be lost; asynchronous: counted and put
 * down to a fault), no two members accepting writes at any sampled moment, and every member's copy equal to
 * the primary's once it has caught up. Prints availability, the longest write gap per fault kind, the losses
 * and the seed to replay the plan with.
 */
@Command(name = "bench/chaos/run.sh", mixinStandardHelpOptions = true,
        description = "Faults at random on a local cluster under load, then a check that nothing acknowledged was lost and no two primaries wrote.")
public final class ChaosRun implements Callable<Integer> {

    @Option(names = "--minutes", required = true, description = "how long faults are injected (fractions allowed)")
    double minutes;

    @Option(names = "--synchronous", description = "run the cluster in synchronous mode (then no acknowledged write may be lost)")
    boolean synchronous;

    @Option(names = "--seed", description = "the plan's seed, to replay a run (default: a new one, printed)")
    Long seed;

    @Option(names = "--writers", defaultValue = "3", description = "writers through the read-write port (default: ${DEFAULT-VALUE})")
    int writers;

    @Option(names = "--readers", defaultValue = "2", description = "readers through the read-only port (default: ${DEFAULT-VALUE})")
    int readers;

    @Option(names = "--keep", description = "keep the cluster's logs and data afterwards (a failed run always keeps them)")
    boolean keep;

    /** Each writer starts an insert every 5 ms, each reader a query every 20 ms: load that leaves the cores room to recover. */
    private static final long WRITE_INTERVAL_NANOS = 5_000_000L;
    private static final long READ_INTERVAL_NANOS = 20_000_000L;
    private static final long SAMPLE_INTERVAL_MS = 100;
    private static final long HEALTHY_WITHIN_MS = 180_000;

    private volatile StatusReport lastStatus;
    private long start;

    public static void main(String[] args) {
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        System.exit(new CommandLine(new ChaosRun()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cli = new CommandLine(this);
        if (!(minutes > 0)) {
            throw new CommandLine.ParameterException(cli, "--minutes must be more than 0, not " + minutes);
        }
        if (writers < 1 || readers < 0) {
            throw new CommandLine.ParameterException(cli, "--writers must be 1 or more and --readers 0 or more");
        }
        long planSeed = seed != null ? seed : System.nanoTime() & 0xffffffffL;
        System.out.printf(Locale.ROOT, "chaos: %.1f min, %s mode, %d writers, %d readers, seed %d%n", minutes,
                synchronous ? "synchronous" : "asynchronous", writers, readers, planSeed);
        boolean safe = false;
        DrillCluster cluster = DrillCluster.up("pgpilot-bench", "chaos");
        try {
            if (synchronous) {
                cluster.synchronous((condition, what) -> awaitTrue(condition::getAsBoolean, 60_000, what));
            }
            safe = run(cluster, planSeed);
            return safe ? 0 : 1;
        } finally {
            if (keep || !safe) {
                cluster.keep();
            }
            cluster.close();
        }
    }

    /** The run itself; true when nothing that must never happen happened. */
    private boolean run(DrillCluster cluster, long planSeed) throws Exception {
        LocalConfig config = cluster.config();
        Properties props = PgConnections.properties(cluster.password(), 3, 5);
        ChaosWriter.createTable(config.rwPort(), props);
        History history = new History();
        Map<String, Integer> ports = config.keepers().stream().collect(Collectors.toMap(LocalConfig.Member::name, LocalConfig.Member::pgPort));
        List<String> keepers = config.keepers().stream().map(LocalConfig.Member::name).toList();
        LocalProcesses processes = new LocalProcesses(cluster.dir());
        FaultInjector injector = new FaultInjector(processes, cluster.store(), config.cluster(), keepers, () -> lastStatus);
        FaultSchedule schedule = new FaultSchedule(planSeed);
        List<AutoCloseable> load = new ArrayList<>();
        start = System.nanoTime();
        for (int w = 1; w <= writers; w++) {
            load.add(new ChaosWriter(w, config.rwPort(), props, WRITE_INTERVAL_NANOS, history).start());
        }
        for (int r = 1; r <= readers; r++) {
            load.add(new ChaosReader(r, config.roPort(), props, READ_INTERVAL_NANOS, history).start());
        }
        PrimarySampler sampler = new PrimarySampler(ports, cluster.password(), SAMPLE_INTERVAL_MS,
                (nanos, writable) -> history.sample(new History.Sample(nanos, Set.copyOf(writable)))).start();
        load.add(sampler);
        awaitHealthy(cluster, processes, history, start);
        long end = start + (long) (minutes * 60_000_000_000L);
        ExecutorService faults = Executors.newCachedThreadPool();
        int number = 0;
        long checkedFrom = start;
        try {
            while (System.nanoTime() < end) {
                List<FaultSchedule.Planned> now = new ArrayList<>(List.of(schedule.next()));
                if (now.get(0).alongside()) {
                    now.add(schedule.next());
                }
                List<Future<History.Fault>> injected = new ArrayList<>();
                for (FaultSchedule.Planned p : now) {
                    int n = ++number;
                    injected.add(faults.submit(() -> injector.inject(n, p)));
                }
                List<History.Fault> done = new ArrayList<>();
                for (Future<History.Fault> f : injected) {
                    done.add(f.get());
                }
                done.forEach(history::fault);
                long over = done.stream().mapToLong(History.Fault::endNanos).max().orElseThrow();
                boolean healthy = awaitHealthy(cluster, processes, history, over);
                long healthyMs = (System.nanoTime() - over) / 1_000_000;
                long checking = System.nanoTime();
                String check = interimCheck(history, checkedFrom, config.rwPort(), props);
                checkedFrom = checking;
                for (History.Fault f : done) {
                    System.out.printf(Locale.ROOT, "[%s] #%d %s %s (%s)%s; %s; %s%n", clock(f.startNanos()), f.number(), f.kind().label(), f.target(),
                            f.role(), f.endNanos() - f.startNanos() > 100_000_000L ? String.format(Locale.ROOT, " for %.1f s",
                                    (f.endNanos() - f.startNanos()) / 1e9) : "",
                            healthy ? "healthy again " + healthyMs + " ms after it was over" : "NOT healthy " + HEALTHY_WITHIN_MS / 1000 + " s after",
                            check);
                }
                pause(Math.min(now.get(0).pauseAfterMs(), Math.max(0, (end - System.nanoTime()) / 1_000_000)));
            }
        } finally {
            faults.shutdownNow();
        }
        awaitHealthy(cluster, processes, history, System.nanoTime());
        for (AutoCloseable c : load) {
            c.close();
        }
        long runEnd = System.nanoTime();
        Map<Key, String> rows = readAll(config.rwPort(), props);
        Verdict verdict = ChaosChecker.check(history, rows, start, runEnd);
        List<String> differing = copiesDiffering(ports, props);
        report(verdict, history, differing, planSeed);
        return verdict.safe(synchronous) && differing.isEmpty();
    }

    /**
     * Until the cluster is whole again after a fault that was over at {@code sinceNanos}: every process of it
     * runs (the supervisor restarts what died), the status shows a primary and every other member streaming,
     * and a write was acknowledged since. False when that takes too long.
     */
    private boolean awaitHealthy(DrillCluster cluster, LocalProcesses processes, History history, long sinceNanos) {
        LocalConfig config = cluster.config();
        List<String> components = new ArrayList<>(List.of("api-server", config.cluster() + "-proxy"));
        for (int i = 0; i < config.sentinels(); i++) {
            components.add(config.cluster() + "-sentinel-" + i);
        }
        return awaitTrue(() -> {
            if (!history.ackedSince(sinceNanos) || components.stream().anyMatch(c -> processes.jvm(c).isEmpty())
                    || config.keepers().stream().anyMatch(k -> processes.jvm(k.name()).isEmpty() || processes.postmaster(k.name()).isEmpty())) {
                return false;
            }
            StatusReport report = cluster.status();
            lastStatus = report;
            return report.primaryReportsItself() && report.everyStandbyStreaming();
        }, HEALTHY_WITHIN_MS, "a healthy cluster");
    }

    /** Re-checks {@code condition} every 200 ms until it holds or {@code millis} pass; says so when it gives up. */
    private static boolean awaitTrue(BooleanSupplier condition, long millis, String what) {
        boolean held = Polling.within(condition, Duration.ofMillis(millis), Duration.ofMillis(200));
        if (!held) {
            System.out.println("  gave up waiting for " + what + " after " + millis / 1000 + " s");
        }
        return held;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);   // the run's schedule, not a wait for a condition
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String clock(long nanos) {
        long s = (nanos - start) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }

    /** Every row through {@code port}, retried for a minute while the cluster settles. */
    private static Map<Key, String> readAll(int port, Properties props) throws SQLException {
        return readRows(port, props, "true");
    }

    /**
     * The check after a fault: the inserts acknowledged since {@code sinceNanos} (this fault's and those just
     * before it) against what the primary holds now, in words. The check at the end reads everything.
     */
    private static String interimCheck(History history, long sinceNanos, int port, Properties props) {
        List<History.Ack> recent = history.acks().stream().filter(a -> a.ackNanos() >= sinceNanos).toList();
        Map<Integer, Long> fromId = new TreeMap<>();
        recent.forEach(a -> fromId.merge(a.writer(), a.id(), Math::min));
        if (fromId.isEmpty()) {
            return "no write acknowledged since the last check";
        }
        String where = fromId.entrySet().stream().map(e -> "(writer = " + e.getKey() + " and id >= " + e.getValue() + ")")
                .collect(Collectors.joining(" or "));
        try {
            Map<Key, String> rows = readRows(port, props, where);
            long missing = recent.stream().filter(a -> !a.value().equals(rows.get(new Key(a.writer(), a.id())))).count();
            return recent.size() + " writes acknowledged since the last check, " + (missing == 0 ? "all there" : missing + " MISSING");
        } catch (SQLException e) {
            return "could not check (" + e.getMessage() + ")";
        }
    }

    private static Map<Key, String> readRows(int port, Properties props, String where) throws SQLException {
        SQLException last = null;
        for (int attempt = 0; attempt < 60; attempt++) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", props);
                 Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select writer, id, value from " + ChaosWriter.TABLE + " where " + where)) {
                Map<Key, String> rows = new HashMap<>();
                while (rs.next()) {
                    rows.put(new Key(rs.getInt(1), rs.getLong(2)), rs.getString(3));
                }
                return rows;
            } catch (SQLException e) {
                last = e;
                pause(1_000);
            }
        }
        throw last;
    }

    /**
     * The members whose copy differs from the primary's once they have replayed all of its WAL: a member still
     * holding a diverged timeline (acknowledged or not) that the final history lacks, or missing part of it.
     */
    private static List<String> copiesDiffering(Map<String, Integer> ports, Properties props) {
        List<String> differing = new ArrayList<>();
        boolean answered = awaitTrue(() -> {
            try {
                differing.clear();
                differing.addAll(compareCopies(ports, props));
                return true;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, 120_000, "every member to answer");
        return answered ? differing : List.of("not every member answered within 120 s");
    }

    private static List<String> compareCopies(Map<String, Integer> ports, Properties props) throws SQLException {
        String fingerprint = "select count(*) || '/' || coalesce(sum(hashtext(value)::bigint), 0) from " + ChaosWriter.TABLE;
        Map<String, String> copies = new TreeMap<>();
        String primary = null;
        String primaryLsn = null;
        for (var member : ports.entrySet()) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + member.getValue() + "/postgres", props);
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select not pg_is_in_recovery(), case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    primary = member.getKey();
                    primaryLsn = rs.getString(2);
                }
            }
        }
        if (primary == null) {
            return List.of("no member is out of recovery");
        }
        List<String> differing = new ArrayList<>();
        String upTo = primaryLsn;
        for (var member : ports.entrySet()) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + member.getValue() + "/postgres", props);
                 Statement s = c.createStatement()) {
                if (!member.getKey().equals(primary) && !awaitTrue(() -> replayedTo(s, upTo), 60_000, member.getKey() + " replaying to " + upTo)) {
                    differing.add(member.getKey() + " did not replay up to " + upTo);
                    continue;
                }
                try (ResultSet rs = s.executeQuery(fingerprint)) {
                    rs.next();
                    copies.put(member.getKey(), rs.getString(1));
                }
            }
        }
        String expected = copies.get(primary);
        copies.forEach((member, copy) -> {
            if (!copy.equals(expected)) {
                differing.add(member + " holds " + copy + " (rows/hash), the primary " + expected);
            }
        });
        return differing;
    }

    private static boolean replayedTo(Statement s, String lsn) {
        try (ResultSet rs = s.executeQuery("select pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void report(Verdict v, History history, List<String> differing, long planSeed) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-22s %7s %18s %18s %12s%n", "fault", "faults", "median write gap", "longest write gap", "lost writes");
        for (Map.Entry<FaultKind, KindFigures> e : v.byKind().entrySet()) {
            System.out.printf(Locale.ROOT, "%-22s %7d %15d ms %15d ms %12d%n", e.getKey().label(), e.getValue().faults(),
                    e.getValue().medianGapNanos() / 1_000_000, e.getValue().longestGapNanos() / 1_000_000, e.getValue().lost());
        }
        System.out.println("the longest write gaps, with the faults they overlap:");
        v.gapByFault().entrySet().stream().sorted(Map.Entry.<Integer, Long>comparingByValue().reversed()).limit(5).forEach(e -> {
            History.Fault f = history.faults().stream().filter(x -> x.number() == e.getKey()).findFirst().orElseThrow();
            String with = history.faults().stream().filter(x -> x != f && x.startNanos() <= f.endNanos() && x.endNanos() >= f.startNanos())
                    .map(x -> " with #" + x.number() + " " + x.kind().label() + " " + x.target()).collect(Collectors.joining());
            System.out.printf(Locale.ROOT, "  %d ms around #%d %s %s (%s) at %s%s%n", e.getValue() / 1_000_000, f.number(), f.kind().label(), f.target(),
                    f.role(), clock(f.startNanos()), with);
        });
        System.out.printf(Locale.ROOT, "writes: %d acknowledged, %d lost, %d with another value; available in %.2f %% of 100 ms intervals; longest gap %d ms%n",
                v.acknowledged(), v.lost().size(), v.wrongValue().size(), 100 * v.writeAvailability(), v.longestGapNanos() / 1_000_000);
        System.out.printf(Locale.ROOT, "reads: available in %.2f %% of 100 ms intervals%n", 100 * v.readAvailability());
        System.out.printf(Locale.ROOT, "two members accepting writes: %d of %d samples; overlapping acknowledgements by two members: %d%n",
                v.twoWritable().size(), history.samples().size(), v.overlaps().size());
        v.lost().stream().limit(10).forEach(l -> System.out.printf(Locale.ROOT, "  lost: writer %d id %d acknowledged at %s by port %d; fault %s%n",
                l.ack().writer(), l.ack().id(), clock(l.ack().ackNanos()), l.ack().port(),
                l.fault() == null ? "none" : "#" + l.fault().number() + " " + l.fault().kind().label() + " " + l.fault().target()));
        v.twoWritable().stream().limit(10).forEach(s -> System.out.println("  two writable at " + clock(s.nanos()) + ": " + s.writable()));
        v.overlaps().stream().limit(10).forEach(o -> System.out.println("  overlapping: port " + o.first().port() + " at " + clock(o.first().ackNanos())
                + " and port " + o.second().port() + " at " + clock(o.second().ackNanos())));
        System.out.println("members' copies after catching up: " + (differing.isEmpty() ? "each equal to the primary's" : String.join("; ", differing)));
        System.out.println((v.safe(synchronous) && differing.isEmpty() ? "PASSED" : "FAILED") + "; replay with: bench/chaos/run.sh --minutes "
                + minutes + (synchronous ? " --synchronous" : "") + " --seed " + planSeed);
    }
}

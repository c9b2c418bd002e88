package io.pgpilot.drills;

import io.pgpilot.cli.Main;
import io.pgpilot.cli.local.ClassDataSharing;
import io.pgpilot.cli.local.LocalConfig;
import io.pgpilot.cli.local.LocalLayout;
import io.pgpilot.cli.local.LocalSupervisor;
import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.process.Signal;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * bench/failover: on a fresh local cluster with default settings and a writer going through the proxy,
 * repeats the crash drill (SIGKILL of the primary's keeper and PostgreSQL), the same crash with the keeper
 * restarted at once, the graceful drill (SIGTERM) and a switchover, and prints the unavailability the writer saw (fault to first acknowledged write),
 * the rejoin time of the old primary (start to streaming), the same for a restarted standby, and the
 * acknowledged rows lost.
 */
@Command(name = "bench/failover/run.sh", mixinStandardHelpOptions = true,
        description = "Measure failover, switchover and rejoin times on a fresh local cluster.")
public final class FailoverBench implements Callable<Integer> {

    public static void main(String[] args) {
        // The cluster's components share this classpath, so each names its own logging configuration.
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        System.exit(new CommandLine(new FailoverBench()).execute(args));
    }

    @Option(names = "--runs", defaultValue = "5", description = "repetitions of each drill (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--synchronous", description = "run the cluster in synchronous mode")
    boolean synchronous;

    @Option(names = "--writer-interval-ms", defaultValue = "0", paramLabel = "MS",
            description = "start one insert every MS milliseconds instead of back to back (default: ${DEFAULT-VALUE}, back to back)")
    long writerIntervalMs;

    @Option(names = "--keep", description = "keep the cluster's logs and data after a successful run, to read the timelines")
    boolean keep;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private Path dir;
    private boolean succeeded;
    private LocalConfig config;
    private LocalProcesses processes;
    private ClusterStore store;
    private AutoCloseable clusterWatch;
    private AcknowledgedWriter writer;
    /** Counts the cluster's object changes; {@link #await} re-checks on each instead of polling the API server. */
    private final Object changes = new Object();
    private long changeCount;
    /** What a keeper logs when its loop runs (Keeper#start), with the milliseconds since its process started. */
    private static final Pattern KEEPER_STARTED = Pattern.compile("started (\\d+) ms after its process");
    private final Map<String, List<Long>> figures = new TreeMap<>();
    private final Set<Long> lostSoFar = new HashSet<>();
    private final Map<String, Long> lostBy = new TreeMap<>();

    @Override
    public Integer call() throws Exception {
        Path base = Path.of("/tmp/pgpilot-bench");
        Files.createDirectories(base);
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        dir = Files.createTempDirectory(base, "failover");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int rw;
        int ro;
        try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
            rw = a.getLocalPort();
            ro = b.getLocalPort();
        }
        if (Main.run("local", "up", "--dir", dir.toString(), "--rw-port", Integer.toString(rw), "--ro-port", Integer.toString(ro)) != 0) {
            return 1;
        }
        try {
            config = LocalConfig.read(dir);
            processes = new LocalProcesses(dir);
            String password = Files.readString(dir.resolve("secrets/superuser-password")).trim();
            store = config.store(dir.resolve("kubeconfig"), Duration.ofSeconds(3));
            clusterWatch = store.watch(change -> changed(), true);
            if (synchronous) {
                var spec = (Read.Found<ClusterSpec>) store.readSpec();
                store.updateSpec(spec.value().withChanges("{\"synchronousMode\": true}"), spec.resourceVersion()).orElseThrow();
                await(() -> store.readState() instanceof Read.Found<io.pgpilot.cluster.ClusterState> s && s.value().synchronousQuorum() >= 1, 60, "synchronous mode");
            }
            ClassDataSharing sharing = ClassDataSharing.forThisBuild();
            if (!sharing.archived(LocalSupervisor.COMPONENTS)) {
                // The first cluster of a build records the classes its JVMs load and archives them a minute later;
                // rejoin times without the archives measure class loading on two busy cores, not pgpilot.
                System.out.println("waiting for the class-data-sharing archives (the first cluster of this build makes them)...");
                await(() -> sharing.archived(LocalSupervisor.COMPONENTS), 300, "the class-data-sharing archives");
            }
            if (writerIntervalMs < 0) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--writer-interval-ms must be 0 or more, not " + writerIntervalMs);
            }
            writer = new AcknowledgedWriter(rw, password, Duration.ofMillis(writerIntervalMs)).start();
            await(() -> writer.acknowledgedCount() > 50, 30, "the writer's first rows");
            for (int run = 1; run <= runs; run++) {
                System.out.println("run " + run + "/" + runs);
                lostBy.putIfAbsent("crash", 0L);
                lostBy.putIfAbsent("graceful", 0L);
                lostBy.putIfAbsent("switchover", 0L);
                lostBy.putIfAbsent("crash, restarted at once", 0L);
                drill("crash", "kill");
                crashRestart();
                drill("graceful", "stop");
                switchover();
                standbyRestart();
            }
            writer.close();
            report();
            succeeded = true;
            return 0;
        } finally {
            if (writer != null) {
                writer.close();
            }
            if (clusterWatch != null) {
                clusterWatch.close();
            }
            if (succeeded && !keep) {
                Main.run("local", "down", "--dir", dir.toString(), "--clean");
            } else {
                // A failed run keeps its logs and data for a look, as does --keep.
                Main.run("local", "down", "--dir", dir.toString());
                System.err.println("logs and data kept in " + dir);
            }
        }
    }

    private StatusReport status() {
        return StatusReport.read(store);
    }

    private void awaitAllStreaming() throws InterruptedException {
        await(() -> status().everyStandbyStreaming(), 120, "every standby streaming");
        // A keeper that has just rejoined is streaming before it has fully started: it defers its web server
        // until after its first decisions, and that start then takes a second of CPU. A drill started in that
        // second measured the rejoin's tail as much as the drill, so each starts on a settled cluster.
        await(() -> config.keepers().stream().allMatch(k -> answers(k.httpPort())), 60, "every keeper's HTTP API");
        if (synchronous) {
            // Until the primary reports a synchronous standby, commits are not yet synchronous: a crash then
            // is (rightly) not failed over automatically, which is not what this drill measures.
            await(() -> {
                String primary = status().primary();
                return store.listKeepers().stream().filter(k -> k.keeper().equals(primary))
                        .anyMatch(k -> k.status().isFound() && !k.status().orElseThrow().synchronousStandbys().isEmpty());
            }, 60, "the primary to apply its synchronous standbys");
        }
    }

    private static boolean answers(int httpPort) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health")).timeout(Duration.ofSeconds(2)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void drill(String name, String action) throws Exception {
        awaitAllStreaming();
        String old = status().primary();
        long fault = System.nanoTime();
        Main.run("local", action, "--dir", dir.toString(), old);
        await(() -> status().primary() != null && !old.equals(status().primary()), 60, "a new primary");
        if (writer.firstAckAfter(System.nanoTime(), 60_000) < 0) {
            throw new IllegalStateException("writes did not resume after the " + name + " drill");
        }
        // The writer's longest pause around the fault: from its last acknowledged write on the old primary to
        // its first on the new one.
        record(name + " (writer's longest gap)", writer.longestGapSince(fault) / 1_000_000);
        recordLoss(name);
        rejoin(old, "rejoin after " + name);
    }

    /**
     * A crash whose container comes straight back, as a kubelet restarts it: SIGKILL of the primary keeper's JVM
     * alone (its PostgreSQL dies with it), which the local supervisor starts again at once. The restarted
     * keeper hands over to a standby that has the WAL, or restarts in place when none has.
     */
    private void crashRestart() throws Exception {
        awaitAllStreaming();
        String old = status().primary();
        long fault = System.nanoTime();
        if (!processes.signalJvm(old, Signal.KILL)) {
            throw new IllegalStateException(old + "'s keeper is not running");
        }
        await(() -> processes.jvm(old).isPresent() && status().primary() != null, 60, old + " restarted");
        awaitAllStreaming();
        if (writer.firstAckAfter(System.nanoTime(), 60_000) < 0) {
            throw new IllegalStateException("writes did not resume after the crash of " + old);
        }
        String now = status().primary();
        record("crash, restarted at once (writer's longest gap)", writer.longestGapSince(fault) / 1_000_000);
        record("crash, restarted at once: fault -> old primary back " + (old.equals(now) ? "as primary" : "streaming"),
                (System.nanoTime() - fault) / 1_000_000);
        recordLoss("crash, restarted at once");
    }

    /**
     * A standby's restart (SIGTERM, then start): no failover, and its PostgreSQL starts before its keeper has
     * read the cluster; the rejoin most pod restarts see.
     */
    private void standbyRestart() throws Exception {
        awaitAllStreaming();
        String primary = status().primary();
        String standby = config.keepers().stream().map(LocalConfig.Member::name).filter(n -> !n.equals(primary)).findFirst().orElseThrow();
        Main.run("local", "stop", "--dir", dir.toString(), standby);
        rejoin(standby, "rejoin of a restarted standby");
    }

    /**
     * Starts {@code member} again and records the time until the status shows it streaming (as soon as the
     * primary sees its WAL receiver), then until its own keeper has published it, split as that keeper's log
     * tells: its JVM's start up to its loop, then the rest (a decision, a rewind, PostgreSQL's start unless it
     * started beside the JVM, the status reaching here).
     */
    private void rejoin(String member, String label) throws Exception {
        long start = System.nanoTime();
        Main.run("local", "start", "--dir", dir.toString(), member);
        await(() -> status().members().stream().anyMatch(m -> m.name().equals(member) && "streaming".equals(m.state())), 120, member + " streaming");
        record(label + " (start -> streaming)", (System.nanoTime() - start) / 1_000_000);
        await(() -> store.listKeepers().stream().anyMatch(k -> k.keeper().equals(member) && k.status().isFound()
                && k.status().orElseThrow().state() == MemberState.STREAMING), 120, member + "'s keeper publishing streaming");
        long published = (System.nanoTime() - start) / 1_000_000;
        record(label + ": start -> its keeper publishes streaming", published);
        long jvm = lastKeeperStartMillis(new LocalLayout(dir).log(member));
        if (jvm >= 0 && jvm <= published) {
            record(label + ": process start -> keeper loop", jvm);
            record(label + ": keeper loop -> it publishes streaming", published - jvm);
        }
    }

    /** The last "started N ms after its process" in a keeper's log: N, or -1 when there is none. */
    static long lastKeeperStartMillis(Path log) throws IOException {
        long last = -1;
        for (String line : Files.readAllLines(log)) {
            Matcher m = KEEPER_STARTED.matcher(line);
            if (m.find()) {
                last = Long.parseLong(m.group(1));
            }
        }
        return last;
    }

    private void switchover() throws Exception {
        awaitAllStreaming();
        String old = status().primary();
        long before = System.nanoTime();
        Main.run("switchover", "--dir", dir.toString(), "--cluster", config.cluster());
        await(() -> status().primary() != null && !old.equals(status().primary()), 60, "the switchover");
        if (writer.firstAckAfter(System.nanoTime(), 60_000) < 0) {
            throw new IllegalStateException("writes did not resume after the switchover");
        }
        record("switchover (writer's longest gap)", writer.longestGapSince(before) / 1_000_000);
        recordLoss("switchover");
    }

    /** Acknowledged rows missing now that were not missing before this drill. */
    private void recordLoss(String drill) throws Exception {
        Set<Long> missing = writer.lost();
        missing.removeAll(lostSoFar);
        lostSoFar.addAll(missing);
        lostBy.merge(drill, (long) missing.size(), Long::sum);
        if (!missing.isEmpty()) {
            System.out.println("  " + drill + ": " + missing.size() + " acknowledged rows lost");
        }
    }

    private void record(String what, long millis) {
        figures.computeIfAbsent(what, k -> new ArrayList<>()).add(millis);
        System.out.println("  " + what + ": " + millis + " ms");
    }

    private void changed() {
        synchronized (changes) {
            changeCount++;
            changes.notifyAll();
        }
    }

    /**
     * Re-checks {@code condition} on every change to the cluster's objects (a watch), and every 250 ms for
     * conditions outside them. Polling the API server instead (four reads every 10 ms) loaded the same two
     * cores the measured rejoin runs on, and the measurement with it.
     */
    private void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            long seen;
            synchronized (changes) {
                seen = changeCount;
            }
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException ignored) {
                // the API may be briefly unreachable during a drill; keep waiting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
            }
            synchronized (changes) {
                if (changeCount == seen) {
                    changes.wait(250);
                }
            }
        }
    }

    private void report() {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-52s %8s %8s %8s %5s%n", "drill (" + (synchronous ? "synchronous" : "asynchronous") + " mode, default timings)", "min ms", "median", "max ms", "runs");
        for (var entry : figures.entrySet()) {
            List<Long> values = new ArrayList<>(entry.getValue());
            Collections.sort(values);
            System.out.printf(Locale.ROOT, "%-52s %8d %8d %8d %5d%n", entry.getKey(), values.get(0), values.get(values.size() / 2),
                    values.get(values.size() - 1), values.size());
        }
        System.out.println("acknowledged rows: " + writer.acknowledgedCount() + "; lost by drill: " + lostBy + "; writer: "
                + (writerIntervalMs == 0 ? "back to back" : "one insert every " + writerIntervalMs + " ms"));
    }
}

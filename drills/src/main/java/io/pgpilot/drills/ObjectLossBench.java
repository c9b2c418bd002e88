package io.pgpilot.drills;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * bench/object-loss: on a fresh local cluster with a writer through the proxy, loses each of pgpilot's
 * objects in turn, {@code --runs} times, and prints how long pgpilot took to put it right and the writer's
 * longest pause; then loses everything at once over the kept volumes and prints how long until the writer
 * could write again.
 */
@Command(name = "bench/object-loss/run.sh", mixinStandardHelpOptions = true,
        description = "Measure the write gap when pgpilot's objects are deleted, one at a time and all at once.")
public final class ObjectLossBench implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "3", description = "repetitions of each single loss (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--synchronous", description = "run the cluster in synchronous mode")
    boolean synchronous;

    @Option(names = "--keep", description = "keep the cluster's logs and data afterwards")
    boolean keep;

    public static void main(String[] args) {
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        System.exit(new CommandLine(new ObjectLossBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--runs must be 1 or more, not " + runs);
        }
        Map<ObjectLoss, List<ObjectLossDrill.Measured>> figures = new EnumMap<>(ObjectLoss.class);
        ObjectLossDrill.Restarted restarted;
        int lost;
        int acknowledged;
        try (DrillCluster cluster = DrillCluster.up("pgpilot-bench", "object-loss")) {
            if (keep) {
                cluster.keep();
            }
            if (synchronous) {
                cluster.synchronous(ObjectLossBench::await);
            }
            try (AcknowledgedWriter writer = cluster.writer(Duration.ofMillis(2))) {
                await(() -> writer.acknowledgedCount() > 50, "the writer's first rows");
                for (int run = 1; run <= runs; run++) {
                    for (ObjectLoss loss : ObjectLoss.values()) {
                        awaitHealthy(cluster);
                        ObjectLossDrill.Measured m = ObjectLossDrill.one(loss, cluster, writer, ObjectLossBench::await);
                        figures.computeIfAbsent(loss, k -> new ArrayList<>()).add(m);
                        System.out.printf(Locale.ROOT, "run %d: %-40s put right after %5d ms, writer's longest gap %5d ms%n", run,
                                loss.description(), m.healedMs(), m.longestGapMs());
                    }
                }
                awaitHealthy(cluster);
                restarted = ObjectLossDrill.everything(cluster, writer);
                System.out.printf(Locale.ROOT, "everything lost at once: writable again %d ms after local up began (epoch %d -> %d)%n",
                        restarted.writableMs(), restarted.epochBefore(), restarted.epochAfter());
                await(() -> writer.acknowledgedCount() > 0, "writes");
                lost = writer.lost().size();
                acknowledged = writer.acknowledgedCount();
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-42s %12s %12s %12s %5s%n", "object lost (" + (synchronous ? "synchronous" : "asynchronous") + " mode)",
                "put right ms", "median gap", "max gap ms", "runs");
        for (var entry : figures.entrySet()) {
            List<Long> healed = entry.getValue().stream().map(ObjectLossDrill.Measured::healedMs).sorted().toList();
            List<Long> gaps = new ArrayList<>(entry.getValue().stream().map(ObjectLossDrill.Measured::longestGapMs).toList());
            Collections.sort(gaps);
            System.out.printf(Locale.ROOT, "%-42s %12d %12d %12d %5d%n", entry.getKey().description(), healed.get(healed.size() / 2),
                    gaps.get(gaps.size() / 2), gaps.get(gaps.size() - 1), gaps.size());
        }
        System.out.printf(Locale.ROOT, "%-42s %12s %12d %12s %5d%n", "everything at once (writable again)", "-", restarted.writableMs(), "-", 1);
        System.out.println("acknowledged rows: " + acknowledged + "; lost: " + lost + (restarted.initdbLogged() ? "; A KEEPER RAN INITDB" : ""));
        return lost == 0 && !restarted.initdbLogged() ? 0 : 1;
    }

    private static void awaitHealthy(DrillCluster cluster) {
        await(() -> cluster.status().everyStandbyStreaming(), "every standby streaming");
    }

    /** Polls {@code condition} every 50 ms for up to 60 s. */
    private static void await(BooleanSupplier condition, String what) {
        Polling.until(condition, Duration.ofSeconds(60), what);
    }
}

package io.pgpilot.drills;

import io.pgpilot.cli.status.StatusReport;
import io.pgpilot.process.Signal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * bench/api-outage: on a fresh local cluster with a writer through the proxy, stalls the API server (SIGSTOP)
 * for {@code --seconds}, {@code --runs} times, and prints the writer's longest pause from the stall until ten
 * seconds after it ended, and whether the primary or its term changed (a failover after the outage).
 */
@Command(name = "bench/api-outage/run.sh", mixinStandardHelpOptions = true,
        description = "Measure the write gap through a Kubernetes API outage (failsafe) on a fresh local cluster.")
public final class ApiOutageBench implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "3", description = "outages (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--seconds", defaultValue = "60", description = "how long each outage lasts (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--synchronous", description = "run the cluster in synchronous mode")
    boolean synchronous;

    public static void main(String[] args) {
        System.setProperty("logback.configurationFile", "logback-cli.xml");
        System.exit(new CommandLine(new ApiOutageBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || seconds < 1) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--runs and --seconds must be 1 or more");
        }
        List<Long> gaps = new ArrayList<>();
        int failovers = 0;
        int lost;
        try (DrillCluster cluster = DrillCluster.up("pgpilot-bench", "api-outage")) {
            LocalProcesses processes = new LocalProcesses(cluster.dir());
            if (synchronous) {
                cluster.synchronous(ApiOutageBench::await);
            }
            try (AcknowledgedWriter writer = cluster.writer(Duration.ofMillis(2))) {
                await(() -> writer.acknowledgedCount() > 50, "the writer's first rows");
                for (int run = 1; run <= runs; run++) {
                    StatusReport before = cluster.status();
                    long stall = System.nanoTime();
                    processes.signalJvm("api-server", Signal.STOP);
                    try {
                        Thread.sleep(seconds * 1_000L);   // the outage's length, not a wait for a condition
                    } finally {
                        processes.signalJvm("api-server", Signal.CONT);
                    }
                    Thread.sleep(10_000);   // the writer is watched for ten seconds after the outage: a failover would come then
                    StatusReport after = cluster.status();
                    long gap = writer.longestGapSince(stall) / 1_000_000;
                    boolean failedOver = !before.primary().equals(after.primary()) || before.epoch() != after.epoch();
                    failovers += failedOver ? 1 : 0;
                    gaps.add(gap);
                    System.out.printf(Locale.ROOT, "outage %d: %d s; writer's longest gap %d ms; %s%n", run, seconds, gap,
                            failedOver ? "FAILED OVER from " + before.primary() + " (epoch " + before.epoch() + ") to " + after.primary()
                                    + " (epoch " + after.epoch() + ")" : "same primary " + after.primary() + " at epoch " + after.epoch());
                }
                lost = writer.lost().size();
                Collections.sort(gaps);
                System.out.printf(Locale.ROOT, "%n%d outages of %d s (%s mode): longest write gap min %d / median %d / max %d ms; failovers %d; "
                                + "acknowledged rows %d, lost %d%n", runs, seconds, synchronous ? "synchronous" : "asynchronous", gaps.get(0),
                        gaps.get(gaps.size() / 2), gaps.get(gaps.size() - 1), failovers, writer.acknowledgedCount(), lost);
            }
        }
        return failovers == 0 && lost == 0 ? 0 : 1;
    }

    private static void await(BooleanSupplier condition, String what) {
        Polling.until(condition, Duration.ofSeconds(120), what);
    }
}

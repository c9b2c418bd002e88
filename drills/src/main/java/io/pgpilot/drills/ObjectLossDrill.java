package io.pgpilot.drills;

import io.pgpilot.cli.local.LocalConfig;
import io.pgpilot.cli.local.LocalLayout;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * The object-loss drills, measured the same way by the end-to-end test and by {@code bench/object-loss}: a
 * writer runs through the proxy while pgpilot's objects are lost, and the drill reports how long the
 * cluster took to put things right and the longest pause the writer saw.
 */
public final class ObjectLossDrill {

    /**
     * @param healedMs     from the loss until pgpilot had put it right ({@link ObjectLoss#healed})
     * @param longestGapMs the writer's longest pause between two acknowledged inserts since the loss
     */
    public record Measured(long healedMs, long longestGapMs) {
    }

    /**
     * @param writableMs   from {@code local up} until the writer's first acknowledged insert
     * @param epochBefore  the primary Lease's epoch before everything was lost
     * @param epochAfter   the epoch the cluster came back in
     * @param initdbLogged whether a keeper logged an initdb after the loss (it must not)
     */
    public record Restarted(long writableMs, long epochBefore, long epochAfter, boolean initdbLogged) {
    }

    private ObjectLossDrill() {
    }

    /** Loses one object of a healthy cluster and measures until the writer has gone on past the repair. */
    public static Measured one(ObjectLoss loss, DrillCluster cluster, AcknowledgedWriter writer, DrillCluster.BooleanSupplierWait await) {
        ClusterStore store = cluster.store();
        ObjectLoss.Before before = ObjectLoss.observe(store);
        long fault = System.nanoTime();
        loss.inflict(store, before);
        await.until(() -> {
            try {
                return loss.healed(store, before);
            } catch (RuntimeException e) {
                return false;
            }
        }, loss.description() + " put right");
        long healedMs = (System.nanoTime() - fault) / 1_000_000;
        // A moment more, so that a pause that begins around the repair is inside the window.
        long settled = writer.acknowledgedCount();
        await.until(() -> writer.acknowledgedCount() > settled + 50, "writes after the repair");
        long gapMs = writer.longestGapSince(fault) / 1_000_000;
        loss.restoreUsersPart(store, before);
        return new Measured(healedMs, gapMs);
    }

    /**
     * Every object lost at once over kept volumes, as a namespace deleted and created again: the cluster is
     * brought down (its pods get SIGTERM), the API server's state is thrown away, and {@code local up} starts
     * the same members on their data against an empty API server.
     */
    public static Restarted everything(DrillCluster cluster, AcknowledgedWriter writer) throws IOException {
        long epochBefore = cluster.store().readPrimaryLease().orElseThrow().epoch();
        LocalConfig config = cluster.config();
        LocalLayout layout = new LocalLayout(cluster.dir());
        Map<String, Integer> logLengths = new HashMap<>();
        for (LocalConfig.Member member : config.keepers()) {
            logLengths.put(member.name(), Files.readString(layout.log(member.name())).length());
        }
        if (cluster.pgpilot("local", "down") != 0) {
            throw new IllegalStateException("local down failed");
        }
        Files.delete(layout.apiState());
        long start = System.nanoTime();
        if (cluster.pgpilot("local", "up", "--rw-port", Integer.toString(config.rwPort()), "--ro-port", Integer.toString(config.roPort()),
                "--timeout", "240") != 0) {
            throw new IllegalStateException("local up over the same data failed; see " + layout.logs());
        }
        cluster.reconnect();
        long firstAck = writer.firstAckAfter(start, 120_000);
        if (firstAck < 0) {
            throw new IllegalStateException("writes did not resume within 120 s of local up");
        }
        PrimaryLease lease = cluster.store().readPrimaryLease().orElseThrow();
        boolean initdb = false;
        for (LocalConfig.Member member : config.keepers()) {
            initdb |= Files.readString(layout.log(member.name())).substring(logLengths.get(member.name())).contains("initdb done");
        }
        return new Restarted((firstAck - start) / 1_000_000, epochBefore, lease.epoch(), initdb);
    }
}

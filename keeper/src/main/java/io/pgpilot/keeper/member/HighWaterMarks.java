package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The highest epoch this member has seen (in C-state or on the primary Lease) and the highest C-state
 * generation it has read, kept on its volume beside the data (one line, {@code <epoch> <generation>}), so that
 * they outlive the process, the Kubernetes objects and the namespace. A C-state below that generation is
 * stale — restored from an older snapshot, or written by hand — and is not acted on; the sentinel rebuilds
 * C-state above both, and starts every new term above the epoch. Written by the heartbeat thread only.
 */
public final class HighWaterMarks {

    private static final Logger log = LoggerFactory.getLogger(HighWaterMarks.class);

    private final Path file;
    private final WriteFile writer;
    private volatile long epoch;
    private volatile long generation;

    /** How the file is written: privately and atomically, as the work area writes its other files. */
    public interface WriteFile {
        void write(Path file, String content) throws IOException;
    }

    public HighWaterMarks(Path file, WriteFile writer) {
        this.file = file;
        this.writer = writer;
        try {
            if (Files.isRegularFile(file)) {
                String[] fields = Files.readString(file).strip().split("\\s+");
                epoch = Long.parseLong(fields[0]);
                generation = fields.length > 1 ? Long.parseLong(fields[1]) : 0;
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read {} ({}); starting from epoch 0: a stale C-state is then recognised only by the sentinel", file, e.getMessage());
        }
    }

    long epoch() {
        return epoch;
    }

    long generation() {
        return generation;
    }

    /**
     * Null when {@code state} is not below what this member has read; otherwise why it is stale, in words. The
     * generation decides: every C-state write raises it, and a C-state restored from an older copy has an older
     * one (its epoch may be behind the Lease's for a moment in any transfer, which is no sign of age).
     */
    String whyStale(ClusterState state) {
        if (state.generation() < generation) {
            return "C-state has generation " + state.generation() + " (epoch " + state.epoch() + "), below generation " + generation
                    + " this member has already read: it was restored from an older copy or written by hand";
        }
        return null;
    }

    /** Raises the marks to {@code state}'s; true when they moved (and were written). */
    boolean raise(ClusterState state) {
        return raise(state.epoch(), state.generation());
    }

    /** Raises the epoch mark to the primary Lease's; true when it moved (and was written). */
    boolean raiseEpoch(long leaseEpoch) {
        return raise(leaseEpoch, generation);
    }

    private boolean raise(long newEpoch, long newGeneration) {
        if (newEpoch <= epoch && newGeneration <= generation) {
            return false;
        }
        epoch = Math.max(epoch, newEpoch);
        generation = Math.max(generation, newGeneration);
        try {
            writer.write(file, epoch + " " + generation + "\n");
        } catch (IOException e) {
            log.warn("cannot write {} ({}); the marks hold in memory until the next change", file, e.getMessage());
        }
        return true;
    }
}

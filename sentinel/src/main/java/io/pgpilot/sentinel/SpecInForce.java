package io.pgpilot.sentinel;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.store.Read;
import java.util.Optional;

/**
 * The spec the sentinel decides with: the last one that read and validated. A spec that does not is
 * reported once (per distinct problem) and otherwise ignored, so a typo in {@code kubectl edit} cannot
 * change how the cluster fails over.
 */
final class SpecInForce {

    /** What changed in the spec as read this time, for the caller to log and record. */
    enum Change { NONE, ACCEPTED, REJECTED, MISSING }

    private ClusterSpec valid;
    private String lastProblem;
    private boolean reportedMissing;

    /** Takes the spec as read; returns what the caller should report. */
    synchronized Change offer(Read<ClusterSpec> read) {
        if (read instanceof Read.Found<ClusterSpec> found) {
            lastProblem = null;
            reportedMissing = false;
            if (!found.value().equals(valid)) {
                valid = found.value();
                return Change.ACCEPTED;
            }
            return Change.NONE;
        }
        if (read instanceof Read.Corrupt<ClusterSpec> corrupt) {
            reportedMissing = false;
            if (!corrupt.problem().equals(lastProblem)) {
                lastProblem = corrupt.problem();
                return Change.REJECTED;
            }
            return Change.NONE;
        }
        lastProblem = null;
        if (!reportedMissing) {
            reportedMissing = true;
            return Change.MISSING;
        }
        return Change.NONE;
    }

    synchronized Optional<ClusterSpec> valid() {
        return Optional.ofNullable(valid);
    }

    synchronized String lastProblem() {
        return lastProblem;
    }
}

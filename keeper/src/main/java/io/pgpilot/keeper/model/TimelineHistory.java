package io.pgpilot.keeper.model;

import io.pgpilot.cluster.Lsn;
import java.util.HashMap;
import java.util.Map;

/**
 * A server's current timeline and, from its timeline history file, where each earlier timeline of its past
 * ended (the switch point: the end of the last record the promoted standby had replayed).
 */
public record TimelineHistory(int timeline, Map<Integer, Lsn> switchpoints) {

    public TimelineHistory {
        switchpoints = Map.copyOf(switchpoints);
    }

    /**
     * Parses PostgreSQL's history file text: one line per past timeline, {@code tli<TAB>switchpoint<TAB>reason};
     * blank lines and {@code #} comments are skipped.
     *
     * @throws IllegalArgumentException on a line that is neither
     */
    public static TimelineHistory parse(int timeline, String text) {
        Map<Integer, Lsn> points = new HashMap<>();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split("\\s+", 3);
            if (fields.length < 2) {
                throw new IllegalArgumentException("timeline history line without a switch point: '" + trimmed + "'");
            }
            points.put(Integer.parseInt(fields[0]), Lsn.parse(fields[1]));
        }
        return new TimelineHistory(timeline, points);
    }

    /** Whether WAL that ends at {@code position} (on its timeline) can be followed onto this timeline as it is. */
    public Divergence divergenceOf(WalPosition position) {
        if (position.timeline() == timeline) {
            return Divergence.NONE;
        }
        if (position.timeline() > timeline) {
            return Divergence.UNKNOWN;   // ahead of the upstream's timeline: not a case the fork point decides
        }
        Lsn switchpoint = switchpoints.get(position.timeline());
        if (switchpoint == null) {
            return Divergence.DIVERGED;   // that timeline is not in the upstream's past at all
        }
        return position.end().isAfter(switchpoint) ? Divergence.DIVERGED : Divergence.NONE;
    }
}

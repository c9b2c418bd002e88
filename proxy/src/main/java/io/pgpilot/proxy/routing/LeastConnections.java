package io.pgpilot.proxy.routing;

import java.util.List;
import java.util.Map;

/** Picks the reader with the fewest open ro connections; ties go to the first in the table's order. */
public final class LeastConnections {

    private LeastConnections() {
    }

    /** @return the chosen backend, or null when there are no readers */
    public static Backend choose(List<Backend> readers, Map<Backend, Integer> open) {
        Backend best = null;
        int bestCount = Integer.MAX_VALUE;
        for (Backend reader : readers) {
            int count = open.getOrDefault(reader, 0);
            if (count < bestCount) {
                best = reader;
                bestCount = count;
            }
        }
        return best;
    }
}

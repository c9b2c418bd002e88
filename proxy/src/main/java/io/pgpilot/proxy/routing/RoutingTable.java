package io.pgpilot.proxy.routing;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where each listener may send clients right now, and which existing connections may stay.
 *
 * @param primary  the rw backend; null when there is no valid primary
 * @param rwReason why there is (or is not) a primary, for logs and /health
 * @param readers  backends for new ro connections, healthy standbys first; may be the primary as fallback
 * @param roKeep   backends whose open ro connections may stay: the readers plus standbys that are merely
 *                 lagging or unhealthy by report (cutting a running read for lag is worse than a slightly
 *                 stale answer), never a primary that is not the valid one
 * @param roReason why the readers are what they are
 */
public record RoutingTable(Primary primary, String rwReason, List<Backend> readers, Set<Backend> roKeep, String roReason) {

    public RoutingTable {
        readers = List.copyOf(readers);
        roKeep = Set.copyOf(roKeep);
    }

    /** A table that routes nothing, for a proxy that has not read the cluster yet. */
    public static RoutingTable empty(String reason) {
        return new RoutingTable(null, reason, List.of(), Set.of(), reason);
    }

    public Optional<Primary> rw() {
        return Optional.ofNullable(primary);
    }

    /** Whether a connection opened under {@code route} may stay open under this table. */
    public boolean allows(Route route) {
        return switch (route.listener()) {
            case RW -> primary != null && primary.backend().equals(route.backend()) && primary.epoch() == route.epoch();
            case RO -> roKeep.contains(route.backend());
        };
    }
}

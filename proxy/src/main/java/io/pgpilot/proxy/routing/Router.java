package io.pgpilot.proxy.routing;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides where the proxy may send clients, from what it observed (safety invariant 7 in docs/architecture.md). Pure: no I/O,
 * no clock; every input, including elapsed times, is in the {@link ClusterView}.
 *
 * <p>The rw port goes to the primary Lease's holder only, and only while the holder is known to be a
 * valid primary. Two things vouch for it:
 * <ul>
 *   <li>the proxy's own view: the lease was seen changing (being renewed) less than
 *       {@link #leaseTrustMs} ago. That window is at most two renew intervals, i.e. until the holder has
 *       missed one renewal, and never more than the renew deadline, past which a keeper fences itself;</li>
 *   <li>the holder's own word: its keeper answered {@code GET /lease} with 200 and holder=true for this
 *       epoch, with the request sent less than {@link #confirmationTrustMs} ago. That window is one renew
 *       interval, and never more than leaseDuration - renewDeadline, so a keeper that fences right after
 *       answering is dropped before the sentinel may promote anyone else.</li>
 * </ul>
 * Either suffices, so a stalled API server does not cut connections to a primary that keeps confirming.
 */
public final class Router {

    private final boolean roFallbackToPrimary;

    public Router(boolean roFallbackToPrimary) {
        this.roFallbackToPrimary = roFallbackToPrimary;
    }

    /** How long the proxy's own sighting of a lease renewal vouches for the holder. */
    public static long leaseTrustMs(ClusterSpec spec) {
        return Math.min(spec.renewDeadlineMs(), 2 * spec.renewIntervalMs());
    }

    /** How long a holder's HTTP confirmation vouches for it, counted from when the request was sent. */
    public static long confirmationTrustMs(ClusterSpec spec) {
        return Math.min(spec.renewIntervalMs(), spec.leaseDurationMs() - spec.renewDeadlineMs());
    }

    public RoutingTable decide(ClusterView view) {
        ClusterSpec spec = view.spec();
        StringBuilder rwReason = new StringBuilder();
        Primary primary = primary(view, rwReason);

        List<KeeperView> standbys = new ArrayList<>();
        Set<Backend> keep = new LinkedHashSet<>();
        List<String> skipped = new ArrayList<>();
        String holder = view.lease() == null ? null : view.lease().holder();
        for (KeeperView keeper : view.keepers().values().stream().sorted(Comparator.comparing(k -> k.status().name())).toList()) {
            KeeperStatus s = keeper.status();
            Backend backend = backendOf(s);
            if (backend == null || s.name().equals(holder) || s.role() != PostgresRole.STANDBY) {
                continue;
            }
            // An open read may continue on a standby that is still a standby, whatever its lag.
            keep.add(backend);
            String why = notReadable(keeper, spec);
            if (why == null) {
                standbys.add(keeper);
            } else {
                skipped.add(s.name() + " " + why);
            }
        }
        List<Backend> readers = new ArrayList<>(standbys.stream().map(k -> backendOf(k.status())).toList());
        String roReason;
        if (!readers.isEmpty()) {
            roReason = readers.size() + " standby(s) streaming within " + spec.maxLagForReadsBytes() + " bytes"
                    + (skipped.isEmpty() ? "" : "; skipped: " + String.join(", ", skipped));
        } else if (roFallbackToPrimary && primary != null) {
            readers.add(primary.backend());
            keep.add(primary.backend());
            roReason = "no healthy standby" + (skipped.isEmpty() ? "" : " (" + String.join(", ", skipped) + ")")
                    + "; falling back to the primary " + primary.backend().keeper();
        } else {
            roReason = "no healthy standby" + (skipped.isEmpty() ? "" : " (" + String.join(", ", skipped) + ")")
                    + (roFallbackToPrimary ? " and no valid primary to fall back to" : "");
        }
        return new RoutingTable(primary, rwReason.toString(), readers, keep, roReason);
    }

    private Primary primary(ClusterView view, StringBuilder reason) {
        LeaseView lease = view.lease();
        if (lease == null) {
            reason.append("no primary lease has been read");
            return null;
        }
        if (lease.holder() == null) {
            reason.append("the primary lease is released (epoch ").append(lease.epoch()).append(")");
            return null;
        }
        String holder = lease.holder();
        KeeperView keeper = view.keepers().get(holder);
        Backend backend = keeper == null ? null : backendOf(keeper.status());
        if (backend == null) {
            reason.append("the lease holder ").append(holder).append(" has published no address");
            return null;
        }
        ClusterSpec spec = view.spec();
        Confirmation c = view.confirmation();
        boolean confirmed = c != null && c.keeper().equals(holder) && c.epoch() == lease.epoch()
                && c.msAgo() >= 0 && c.msAgo() < confirmationTrustMs(spec);
        boolean fresh = lease.msSinceChange() >= 0 && lease.msSinceChange() < leaseTrustMs(spec);
        if (!fresh && !confirmed) {
            reason.append("the lease of ").append(holder).append(" (epoch ").append(lease.epoch()).append(") was last seen renewed ")
                    .append(lease.msSinceChange()).append(" ms ago (trusted for ").append(leaseTrustMs(spec)).append(" ms) and ")
                    .append(c == null || !c.keeper().equals(holder) || c.epoch() != lease.epoch()
                            ? "its keeper has not confirmed it"
                            : "its keeper last confirmed it " + c.msAgo() + " ms ago (trusted for " + confirmationTrustMs(spec) + " ms)");
            return null;
        }
        // A holder that has just been granted the lease may still be promoting; clients wait for it rather
        // than meet a read-only server. Its own confirmation is fresher than its status and also suffices.
        if (keeper.status().role() != PostgresRole.PRIMARY && !confirmed) {
            reason.append("the lease holder ").append(holder).append(" reports its PostgreSQL as ").append(keeper.status().role())
                    .append(", not yet PRIMARY");
            return null;
        }
        String basis = fresh
                ? "lease seen renewed " + lease.msSinceChange() + " ms ago"
                : "lease confirmed by its keeper " + c.msAgo() + " ms ago";
        reason.append(holder).append(" holds the lease (epoch ").append(lease.epoch()).append("): ").append(basis);
        return new Primary(backend, lease.epoch(), basis);
    }

    /** Why a standby gets no new reads, or null when it may. */
    private static String notReadable(KeeperView keeper, ClusterSpec spec) {
        KeeperStatus s = keeper.status();
        if (keeper.msSinceHeartbeat() < 0 || keeper.msSinceHeartbeat() > spec.leaseDurationMs()) {
            return "has not reported for " + keeper.msSinceHeartbeat() + " ms";
        }
        if (s.state() != MemberState.STREAMING) {
            return "is " + s.state().label() + ", not streaming";
        }
        if (!s.healthy()) {
            return "is unhealthy";
        }
        if (s.lagBytes() > spec.maxLagForReadsBytes()) {
            return "lags " + s.lagBytes() + " bytes";
        }
        return null;
    }

    private static Backend backendOf(KeeperStatus s) {
        if (s.host() == null || s.host().isBlank() || s.port() <= 0) {
            return null;
        }
        return new Backend(s.name(), s.host(), s.port());
    }
}

package io.pgpilot.sentinel.election;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.pgpilot.time.MonotonicClock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * fabric8's LeaseLock that also remembers, on this process's monotonic clock, when the last successful
 * acquire or renewal was <em>sent</em>. Measuring from the send time (not the answer) errs on the safe
 * side: the lease can only have been written after the request left.
 */
final class FencedLeaseLock extends LeaseLock {

    private final MonotonicClock clock;
    private final String identity;
    private final AtomicLong lastRenewalSentNanos = new AtomicLong(Long.MIN_VALUE);

    FencedLeaseLock(String namespace, String name, String identity, MonotonicClock clock) {
        super(namespace, name, identity);
        this.clock = clock;
        this.identity = identity;
    }

    @Override
    public synchronized void create(KubernetesClient client, LeaderElectionRecord record) {
        long sent = clock.nanos();
        super.create(client, record);
        remember(record, sent);
    }

    /**
     * A release (a record without a holder) is written with an empty holder rather than none: written with
     * none, the Lease keeps the last holder's name, and a reader could not tell a sentinel that stopped from
     * one that leads without judging the renew time by its own clock ({@code ClusterStore.sentinelLeads}).
     */
    @Override
    public synchronized void update(KubernetesClient client, LeaderElectionRecord record) {
        long sent = clock.nanos();
        LeaderElectionRecord written = record.getHolderIdentity() != null ? record
                : new LeaderElectionRecord("", record.getLeaseDuration(), record.getAcquireTime(), record.getRenewTime(), record.getLeaderTransitions());
        super.update(client, written);
        remember(written, sent);
    }

    private void remember(LeaderElectionRecord record, long sent) {
        if (identity.equals(record.getHolderIdentity())) {
            lastRenewalSentNanos.set(sent);
        } else {
            // A release: from now on this process holds nothing.
            lastRenewalSentNanos.set(Long.MIN_VALUE);
        }
    }

    /** Milliseconds since the last successful renewal was sent; Long.MAX_VALUE when there was none. */
    long millisSinceRenewal() {
        long sent = lastRenewalSentNanos.get();
        return sent == Long.MIN_VALUE ? Long.MAX_VALUE : (clock.nanos() - sent) / 1_000_000;
    }
}

package io.pgpilot.keeper.member;

import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.LocalPostgres;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fences a writable primary whose last successful lease renewal is older than the renew deadline, on a
 * thread of its own: the heartbeat and the convergence loop may be stuck on a slow API server or a long
 * pg_basebackup, and the deadline must hold all the same (safety invariant 2).
 */
public final class FenceWatchdog {

    private static final Logger log = LoggerFactory.getLogger(FenceWatchdog.class);
    /** How often the deadline is checked: the fence comes at most this late. */
    private static final long CHECK_MS = 5;
    /** How long the fencing fast shutdown may take before it escalates to an immediate stop. */
    private static final Duration ESCALATION = Duration.ofMillis(500);

    private final Member member;
    private final LocalPostgres postgres;
    private final KeeperMetrics metrics;

    public FenceWatchdog(Member member, LocalPostgres postgres, KeeperMetrics metrics) {
        this.member = member;
        this.postgres = postgres;
        this.metrics = metrics;
    }

    public void run() {
        while (!member.stopping()) {
            if (member.mustFence()) {
                fence();
            }
            Waiting.pause(CHECK_MS);
        }
    }

    private void fence() {
        long begin = System.nanoTime();
        if (!member.fence()) {
            return;
        }
        long age = member.renewal().millisSinceRenewal();
        long deadline = member.view().spec().renewDeadlineMs();
        log.warn("fencing: last successful lease renewal was {} ms ago, past the renew deadline of {} ms; terminating sessions and stopping PostgreSQL now",
                age, deadline);
        postgres.stopAcceptingWrites(ESCALATION);
        long tookNanos = System.nanoTime() - begin;
        metrics.fenced(tookNanos);
        long tookMs = tookNanos / 1_000_000;
        member.message("fenced: lease not renewed for " + age + " ms; PostgreSQL stopped in " + tookMs + " ms");
        log.warn("fenced: PostgreSQL stopped {} ms after the decision", tookMs);
        member.refreshStatus(Observation.unreachable("fenced"), member.view(), null);
    }
}

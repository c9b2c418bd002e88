package io.pgpilot.sentinel.planner;

/**
 * Why the planner decided something or refused to. Every decision and every refusal carries one, so a user
 * reading the log, an Event or {@code C-state.reason} never has to guess why a failover did or did not happen.
 */
public enum Reason {
    // decisions
    BOOTSTRAP(false, "chose the keeper that runs initdb"),
    SCALE_UP(false, "a new keeper joins as a standby"),
    KEEPER_RETIRED(false, "a keeper silent longer than departedKeeperGraceMs leaves the plan"),
    PRIMARY_LEASE_EXPIRED(true, "the primary lease has not changed for longer than leaseDurationMs"),
    PRIMARY_RELEASED_LEASE(true, "the primary released its lease (graceful stop)"),
    PRIMARY_NOT_RUNNING(true, "the primary's keeper reports, on a fresh heartbeat, that PostgreSQL is not running as primary"),
    PRIMARY_POD_TERMINATED(true, "Kubernetes reports the primary keeper's container terminated"),
    PRIMARY_POD_RESTARTED(true, "the primary keeper's container restarted and has not renewed the lease since"),
    FAILOVER(true, "promoted a standby"),
    SWITCHOVER(false, "planned handoff to a standby"),
    SWITCHOVER_DEMOTING(false, "the old primary shuts down cleanly before the handoff"),
    WAITING_FOR_FINAL_POSITIONS(false, "the primary was lost a moment ago; the standbys have not all reported where their WAL ends"),
    WAITING_FOR_FINAL_WAL(false, "the old primary stopped cleanly; the candidate has not yet reported its final WAL position"),
    SWITCHOVER_CATCHING_UP(false, "waiting for the candidate to receive the old primary's final WAL position"),
    LEASE_HOLDER_ADOPTED(true, "the primary lease names a newer holder than C-state; C-state follows the lease"),
    SYNCHRONOUS_SET_CHANGED(false, "the synchronous standby set or quorum changed"),
    SYNCHRONOUS_FALLBACK(true, "too few healthy standbys: synchronous replication relaxed (strictSynchronous is off)"),
    SYNCHRONOUS_BLOCKING(true, "too few healthy standbys: commits wait (strictSynchronous is on)"),
    PLAN_REPAIRED(false, "members' roles or upstreams did not match the primary and were corrected"),
    STATE_REBUILT(true, "C-state was missing, unreadable or stale: rebuilt around the primary that holds the lease"),
    CLUSTER_ADOPTED(true, "C-state was lost: rebuilt around the member with the most WAL on the newest timeline, at a new epoch"),
    LEASE_RESTORED(true, "the primary Lease was behind C-state or named another member: given back to C-state's primary"),
    PRIMARY_HEALTHY(false, "the primary holds a fresh lease"),
    // refusals and waiting
    PAUSED(false, "spec.pause is set: observing only"),
    WAITING_FOR_KEEPERS(false, "no keeper has reported yet"),
    WAITING_FOR_MEMBERS(true, "C-state is lost: waiting for every member to report its data before choosing whom to adopt"),
    RECOVERY_NEEDS_DECISION(true, "C-state is lost and the members' data cannot be adopted without a person's choice (pgpilot recover --adopt)"),
    WAITING_FOR_LEASE_EXPIRY(true, "the primary is silent but its lease is fresh; silence is not evidence"),
    NO_ELIGIBLE_STANDBY(true, "no healthy standby on the current timeline may be promoted"),
    CANDIDATE_LAGS_TOO_MUCH(true, "the best standby lags the last known primary position by more than maxLagOnFailoverBytes"),
    NOT_IN_SYNCHRONOUS_SET(true, "no healthy standby is in the synchronous set the primary applied"),
    SYNCHRONOUS_QUORUM_UNKNOWN(true, "too few synchronous standbys are reachable to know which has every acknowledged commit"),
    PRIMARY_LEASE_MISSING(true, "the primary Lease was deleted: its holder re-creates it, or it expires like an unrenewed one"),
    REQUEST_REFUSED(true, "an operator request was refused"),
    REQUEST_DONE(false, "an operator request was carried out");

    private final boolean warning;
    private final String meaning;

    Reason(boolean warning, String meaning) {
        this.warning = warning;
        this.meaning = meaning;
    }

    /** Whether the Kubernetes Event for it is a Warning. */
    public boolean warning() {
        return warning;
    }

    public String meaning() {
        return meaning;
    }

    /** The Event reason: CamelCase like Kubernetes' own (PRIMARY_LEASE_EXPIRED → PrimaryLeaseExpired). */
    public String eventReason() {
        StringBuilder out = new StringBuilder();
        for (String part : name().split("_")) {
            out.append(part.charAt(0)).append(part.substring(1).toLowerCase(java.util.Locale.ROOT));
        }
        return out.toString();
    }
}

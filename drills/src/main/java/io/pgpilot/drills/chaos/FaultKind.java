package io.pgpilot.drills.chaos;

import java.util.Locale;

/** The faults the chaos run injects, each aimed at one process of the local cluster. */
public enum FaultKind {
    /** SIGKILL of a keeper's JVM (its PostgreSQL dies with it); the supervisor restarts it at once, as a kubelet does. */
    KILL_KEEPER(false),
    /** SIGKILL of a keeper's postmaster alone; its backends exit on their own, the keeper sees it gone. */
    KILL_POSTGRES(false),
    /** SIGSTOP of a keeper's JVM, SIGCONT after a while: a long GC pause or a hung JVM. */
    FREEZE_KEEPER(true),
    /** SIGSTOP of a keeper's PostgreSQL (the postmaster and every backend), SIGCONT after a while: a frozen node. */
    FREEZE_POSTGRES(true),
    /** SIGTERM of a keeper's JVM, what {@code kubectl delete pod} sends; restarted once it has exited. */
    TERM_KEEPER(false),
    /** SIGSTOP of the API server, SIGCONT after a while: requests hang, as in a control-plane outage. */
    STALL_API(true),
    /** SIGKILL of the sentinel that leads; the supervisor restarts it. */
    KILL_SENTINEL_LEADER(false),
    /** SIGKILL of the proxy; the supervisor restarts it and the clients reconnect. */
    KILL_PROXY(false);

    private final boolean lasts;

    FaultKind(boolean lasts) {
        this.lasts = lasts;
    }

    /** Whether the fault holds for a while (a stop that is continued later) rather than happening at once. */
    public boolean lasts() {
        return lasts;
    }

    /** Whether it is aimed at one of the keepers (the primary or a standby). */
    public boolean aimsAtMember() {
        return this == KILL_KEEPER || this == KILL_POSTGRES || this == FREEZE_KEEPER || this == FREEZE_POSTGRES || this == TERM_KEEPER;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}

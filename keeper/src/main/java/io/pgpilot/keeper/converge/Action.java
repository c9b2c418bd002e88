package io.pgpilot.keeper.converge;

import io.pgpilot.keeper.postgres.Endpoint;

/** One step towards the planned role; each carries why it was chosen, for the keeper's one-line log. */
public sealed interface Action {

    String why();

    /** Nothing to do now (converged, or waiting for something the keeper cannot do itself). */
    record Hold(String why) implements Action {
    }

    /** The data directory is not this cluster's: do nothing to it, report FAILED. */
    record Refuse(String why) implements Action {
    }

    record Initdb(String why) implements Action {
    }

    /** pg_basebackup from the upstream; {@code discardExisting} only under a recorded reinit decision. */
    record Clone(Endpoint upstream, boolean discardExisting, String why) implements Action {
    }

    record Rewind(Endpoint upstream, String why) implements Action {
    }

    record StartPrimary(String why) implements Action {
    }

    /** Start in recovery; {@code upstream} null = replay only (about to be promoted). */
    record StartStandby(Endpoint upstream, String why) implements Action {
    }

    record Promote(String why) implements Action {
    }

    record Repoint(Endpoint upstream, String why) implements Action {
    }

    /** Running as primary and converged: keep slots and the heartbeat row up to date. */
    record ServePrimary(String why) implements Action {
    }

    /** Stop PostgreSQL now: it must not accept writes (or must stop before a rewind or reinit). */
    record Stop(String why) implements Action {
    }
}

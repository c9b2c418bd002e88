package io.pgpilot.keeper.converge;

import io.pgpilot.cluster.Endpoint;

/** One step towards the planned role; each carries why it was chosen, for the keeper's one-line log. */
public sealed interface Action {

    String why();

    /** Carries the action out by the handler's method for it. */
    <R> R handledBy(Handler<R> handler) throws Exception;

    /**
     * Whether carrying it out changes what PostgreSQL is (running, its role, its upstream, its data), so
     * that what was observed before no longer holds.
     */
    default boolean changesServer() {
        return true;
    }

    /** The short name the keeper logs and counts it by. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** One method per action: whoever carries actions out implements all of them. */
    interface Handler<R> {
        R hold(Hold action) throws Exception;

        R refuse(Refuse action) throws Exception;

        R initdb(Initdb action) throws Exception;

        R cloneFrom(Clone action) throws Exception;

        R rewind(Rewind action) throws Exception;

        R startPrimary(StartPrimary action) throws Exception;

        R startStandby(StartStandby action) throws Exception;

        R promote(Promote action) throws Exception;

        R repoint(Repoint action) throws Exception;

        R servePrimary(ServePrimary action) throws Exception;

        R stop(Stop action) throws Exception;
    }

    /** Nothing to do now (converged, or waiting for something the keeper cannot do itself). */
    record Hold(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.hold(this);
        }

        public boolean changesServer() {
            return false;
        }
    }

    /** The data directory is not this cluster's: do nothing to it, report FAILED. */
    record Refuse(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.refuse(this);
        }

        public boolean changesServer() {
            return false;
        }
    }

    record Initdb(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.initdb(this);
        }
    }

    /** pg_basebackup from the upstream; {@code discardExisting} only under a recorded reinit decision. */
    record Clone(Endpoint upstream, boolean discardExisting, String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.cloneFrom(this);
        }
    }

    record Rewind(Endpoint upstream, String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.rewind(this);
        }
    }

    record StartPrimary(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.startPrimary(this);
        }
    }

    /** Start in recovery; {@code upstream} null = replay only (about to be promoted). */
    record StartStandby(Endpoint upstream, String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.startStandby(this);
        }
    }

    record Promote(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.promote(this);
        }
    }

    record Repoint(Endpoint upstream, String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.repoint(this);
        }
    }

    /** Running as primary and converged: keep slots and the heartbeat row up to date. */
    record ServePrimary(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.servePrimary(this);
        }

        public boolean changesServer() {
            return false;
        }
    }

    /** Stop PostgreSQL now: it must not accept writes (or must stop before a rewind or reinit). */
    record Stop(String why) implements Action {
        public <R> R handledBy(Handler<R> handler) throws Exception {
            return handler.stop(this);
        }
    }
}

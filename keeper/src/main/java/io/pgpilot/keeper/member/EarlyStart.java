package io.pgpilot.keeper.member;

import io.pgpilot.cluster.Endpoint;
import io.pgpilot.keeper.postgres.Passwords;
import io.pgpilot.keeper.postgres.PostgresCommands;
import io.pgpilot.keeper.postgres.PostgresConfigFiles;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.keeper.postgres.Postmaster;
import io.pgpilot.keeper.postgres.WorkArea;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A restarted member's PostgreSQL started in recovery as the keeper's first act, before the cluster is
 * read: the JVM's start and the first reads of the cluster take seconds on a busy machine, and PostgreSQL's
 * own start (replaying to a consistent state, connecting to its upstream) then runs beside them instead of
 * after them.
 *
 * <p>Only a standby's data (standby.signal; also a former primary's that its keeper left ready to follow
 * its successor at a clean stop, see {@link GracefulStop}) and only with the configuration this member's
 * previous run wrote: recovery accepts no writes, so nothing here can make a second primary, and a standby
 * that replayed past the new primary's fork point stops replaying at PostgreSQL's own check and is then
 * rewound by the keeper. Data that last ran as a primary is left stopped: it may have WAL no standby
 * received and is checked before anything starts it; and started in recovery, even after a clean stop, it
 * would serve its WAL to the standbys that still point at it and report itself a standby, which hides from
 * the sentinel which member a whole-cluster restart must resume from (a synchronous cluster brought down
 * and up again would then wait forever). When the spec changed the settings while the member was down, the
 * keeper's first decision restarts it with the new ones.
 */
public final class EarlyStart {

    private static final Logger log = LoggerFactory.getLogger(EarlyStart.class);

    /**
     * What PostgreSQL was started with.
     *
     * @param settings the previous run's postgresql.conf
     * @param hba      the previous run's pg_hba.conf
     * @param upstream where those settings stream from; null when they name none (a standby last started without
     *                 an upstream, to be re-pointed or promoted)
     */
    public record Started(Postmaster postmaster, String settings, String hba, Endpoint upstream) {
    }

    private EarlyStart() {
    }

    /**
     * Why the previous run's configuration must not be started before the cluster is read; null when it may.
     *
     * @param settings the work area's postgresql.conf, null when there is none
     * @param hba      the work area's pg_hba.conf, null when there is none
     * @param member   this keeper's name, PostgreSQL's listen address and port now
     */
    static String whyNot(boolean dataEmpty, boolean standbyData, String settings, String hba, String member, String listenHost, int port) {
        if (dataEmpty) {
            return "no data directory yet";
        }
        if (!standbyData) {
            return "the data directory last ran as a primary and is checked against the cluster first";
        }
        if (settings == null || hba == null) {
            return "no configuration from a previous run";
        }
        if (!member.equals(PostgresConfigFiles.valueIn(settings, "cluster_name"))) {
            return "the configuration in the work area is not this member's";
        }
        if (!Integer.toString(port).equals(PostgresConfigFiles.valueIn(settings, "port"))
                || !listenHost.equals(PostgresConfigFiles.valueIn(settings, "listen_addresses"))) {
            return "the previous run listened on another address or port";
        }
        return null;
    }

    /** Starts PostgreSQL when {@link #whyNot} allows it; null (the reason logged) when it does not start it. */
    public static Started attempt(WorkArea area, PostgresCommands commands, Passwords passwords, String member, String listenHost, int port) {
        String settings = readOrNull(area.postgresqlConf());
        String hba = readOrNull(area.pgHba());
        boolean empty = area.pgdataEmpty();
        String whyNot = whyNot(empty, area.isStandbyData(), settings, hba, member, listenHost, port);
        if (whyNot != null) {
            if (!empty) {
                log.info("PostgreSQL starts after the cluster is read: {}", whyNot);
            }
            return null;
        }
        Endpoint upstream = PostgresConfigFiles.upstreamIn(PostgresConfigFiles.valueIn(settings, "primary_conninfo"));
        try {
            // primary_conninfo reads the replication password from here: rewritten first, for a rotated Secret.
            PostgresNode.writePassfile(area, passwords);
            Postmaster postmaster = Postmaster.start(commands.postmaster(area.pgdata(), area.postgresqlConf()), area.postgresLog());
            log.info("started PostgreSQL (pid {}) in recovery with the previous run's settings before reading the cluster: standby data, {}",
                    postmaster.pid(), upstream == null ? "no upstream yet" : "streaming from " + upstream + " as before");
            return new Started(postmaster, settings, hba, upstream);
        } catch (IOException e) {
            log.warn("could not start PostgreSQL before reading the cluster ({}); the keeper's loop starts it", e.getMessage());
            return null;
        }
    }

    private static String readOrNull(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : null;
        } catch (IOException e) {
            return null;
        }
    }
}

package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.keeper.postgres.PostgresConfigFiles;
import io.pgpilot.keeper.postgres.PostgresNode;
import java.io.IOException;
import java.util.List;

/**
 * The postgresql.conf and pg_hba.conf this member runs with, for a role and an upstream under the spec and
 * C-state as read; and which synchronous standbys the configuration last written names, so that a change of
 * C-state's synchronous set is applied once. Written by the convergence loop, and by the shutdown hook once
 * that loop is stopped.
 */
public final class ServerConfiguration {

    private final String member;
    private final String listenHost;
    private final int port;
    private final PostgresNode node;
    private volatile String appliedSynchronousNames = "";

    public ServerConfiguration(String member, String listenHost, int port, PostgresNode node) {
        this.member = member;
        this.listenHost = listenHost;
        this.port = port;
        this.node = node;
    }

    /** Writes the configuration for streaming from {@code upstream}; null: as primary. */
    void write(Endpoint upstream, ClusterView v) throws IOException {
        PostgresConfigFiles.Settings settings = settings(upstream, v);
        node.writeConfig(settings, v.spec().pgHba());
        appliedSynchronousNames = PostgresConfigFiles.synchronousStandbyNames(settings.synchronousStandbys(), settings.synchronousQuorum());
    }

    /** What postgresql.conf says for this member streaming from {@code upstream} (null: as primary). */
    PostgresConfigFiles.Settings settings(Endpoint upstream, ClusterView v) {
        ClusterState state = v.state();
        boolean primary = upstream == null;
        var area = node.area();
        return new PostgresConfigFiles.Settings(member, listenHost, port, area.socketDir(), area.pgHba(), area.passfile(), upstream,
                ObjectNames.replicationSlot(member), primary ? state.synchronousStandbys() : List.of(), primary ? state.synchronousQuorum() : 0,
                v.spec().postgresParameters());
    }

    /** The synchronous_standby_names C-state asks for, when the configuration last written names others; null when current. */
    String synchronousNamesToApply(ClusterView v) {
        String wanted = PostgresConfigFiles.synchronousStandbyNames(v.state().synchronousStandbys(), v.state().synchronousQuorum());
        return wanted.equals(appliedSynchronousNames) ? null : wanted;
    }
}

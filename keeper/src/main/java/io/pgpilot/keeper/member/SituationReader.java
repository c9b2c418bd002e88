package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.Endpoint;
import io.pgpilot.cluster.FailoverRecord;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.converge.DataState;
import io.pgpilot.keeper.converge.Situation;
import io.pgpilot.keeper.model.Divergence;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.PostgresConfigFiles;
import io.pgpilot.keeper.postgres.PostgresNode;
import java.io.IOException;
import java.nio.file.Files;

/**
 * Gathers everything one convergence decision depends on ({@link Situation}): the plan and the lease as the
 * heartbeat read them, what PostgreSQL and the data directory are, where the upstream listens and whether
 * this member's WAL can follow its timeline. The convergence loop's thread only.
 */
public final class SituationReader {

    private final Member member;
    private final PostgresNode node;
    private final DivergenceCheck divergence;
    private final ServerConfiguration configuration;
    /** What PostgreSQL was started with before the cluster was read; null once compared with the spec. */
    private volatile EarlyStart.Started startedEarly;

    public SituationReader(Member member, PostgresNode node, DivergenceCheck divergence, ServerConfiguration configuration) {
        this.member = member;
        this.node = node;
        this.divergence = divergence;
        this.configuration = configuration;
    }

    /** PostgreSQL was started before the cluster was read, with {@code early}'s settings. */
    public void startedEarly(EarlyStart.Started early) {
        startedEarly = early;
    }

    /**
     * @param alive whether the postmaster was alive when this pass began. Asked once per pass: asked again
     *              here, a postmaster that died in between would be restarted by this pass without its crash
     *              being counted or logged.
     */
    Situation read(ClusterView v, Observation obs, boolean alive) {
        String me = member.name();
        ClusterState state = v.state();
        MemberPlan plan = state.planFor(me);
        boolean bootstrap = state.history().stream().anyMatch(r -> r.epoch() == state.epoch() && isBootstrap(r));
        DataState data = node.area().pgdataEmpty() ? DataState.EMPTY : node.area().isStandbyData() ? DataState.STANDBY : DataState.PRIMARY;
        Endpoint upstream = null;
        boolean upstreamPrimary = false;
        if (plan != null && plan.upstream() != null) {
            KeeperStatus up = v.keepers().get(plan.upstream());
            // Only an upstream that reports a running PostgreSQL is worth cloning, rewinding or streaming from.
            if (up != null && up.host() != null && up.port() > 0 && up.role() != PostgresRole.NONE) {
                upstream = new Endpoint(up.host(), up.port());
                upstreamPrimary = up.role() == PostgresRole.PRIMARY;
            }
        }
        PostgresRole running = !alive ? PostgresRole.NONE
                : obs.role() != PostgresRole.NONE ? obs.role()
                : member.isWritable() ? PostgresRole.PRIMARY : PostgresRole.STANDBY;   // running but not answering: what it was started as
        Divergence forked = upstreamPrimary && data != DataState.EMPTY
                ? divergence.check(upstream, v.keepers().get(plan.upstream()), obs, member.status().timeline())
                : Divergence.UNKNOWN;
        return new Situation(me, plan, state.epoch(), bootstrap, member.permission(v), data,
                plan != null && plan.reinit() && !reinitDone(state.generation()), running, upstream, upstreamPrimary, member.following(),
                identityProblem(v, data), forked, outdatedSettings(v, alive), member.outstandingPromise());
    }

    /** The record a sentinel writes when it bootstraps: no previous primary, reason "bootstrap…". */
    static boolean isBootstrap(FailoverRecord r) {
        return r.from() == null && r.reason() != null && r.reason().startsWith("bootstrap");
    }

    /**
     * After a start before the cluster was read: whether the spec has changed, while this member was down,
     * a setting PostgreSQL was started with (where it streams from aside, which a re-point changes). Asked
     * until PostgreSQL stops or the settings are found current.
     */
    private boolean outdatedSettings(ClusterView v, boolean alive) {
        EarlyStart.Started early = startedEarly;
        if (early == null) {
            return false;
        }
        String wanted = PostgresConfigFiles.postgresqlConf(configuration.settings(early.upstream(), v));
        boolean outdated = alive && (!PostgresConfigFiles.withoutReplicationTargets(wanted).equals(PostgresConfigFiles.withoutReplicationTargets(early.settings()))
                || !PostgresConfigFiles.pgHba(v.spec().pgHba()).equals(early.hba()));
        if (!outdated) {
            startedEarly = null;
        }
        return outdated;
    }

    /** The data directory belongs to another cluster when its system identifier differs from the primary's. */
    private String identityProblem(ClusterView v, DataState data) {
        String primary = v.state().primary();
        if (data == DataState.EMPTY || primary == null || primary.equals(member.name())) {
            return null;
        }
        KeeperStatus p = v.keepers().get(primary);
        String mine = member.currentSystemIdentifier();
        if (p == null || p.systemIdentifier() == null || mine == null || p.systemIdentifier().equals(mine)) {
            return null;
        }
        return "data directory " + node.area().pgdata() + " has system identifier " + mine + " but the cluster's primary " + primary
                + " has " + p.systemIdentifier() + ": it belongs to another cluster. Move it away or give this keeper its own volume; nothing was changed";
    }

    private boolean reinitDone(long generation) {
        try {
            return Files.exists(node.area().reinitMarker()) && Long.parseLong(Files.readString(node.area().reinitMarker()).strip()) >= generation;
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}

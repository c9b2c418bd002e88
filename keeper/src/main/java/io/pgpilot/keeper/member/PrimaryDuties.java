package io.pgpilot.keeper.member;

import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.keeper.model.Observation;
import io.pgpilot.keeper.postgres.PostgresNode;
import io.pgpilot.keeper.schema.InternalSchema;
import java.io.IOException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a primary does besides accepting writes, on every convergence pass: replication slots for the other
 * members, the synchronous set C-state decided, the heartbeat row the standbys measure their lag by, and
 * once per start the replication user and pgpilot's internal schema. The convergence loop's thread only.
 */
public final class PrimaryDuties {

    private static final Logger log = LoggerFactory.getLogger(PrimaryDuties.class);

    private final Member member;
    private final PostgresNode node;
    private final ServerConfiguration configuration;
    private boolean setUp;
    private boolean schemaWarmedUp;

    public PrimaryDuties(Member member, PostgresNode node, ServerConfiguration configuration) {
        this.member = member;
        this.node = node;
        this.configuration = configuration;
    }

    /** PostgreSQL (re)starts or stops: the once-per-start work is due again when it next serves as primary. */
    void reset() {
        setUp = false;
    }

    void serve(ClusterView v) throws SQLException, IOException {
        // Slots first: the standbys can stream (and synchronous commits can complete) only once they exist.
        List<String> slots = new ArrayList<>();
        for (String other : new TreeSet<>(v.state().members().keySet())) {
            if (!other.equals(member.name())) {
                slots.add(ObjectNames.replicationSlot(other));
            }
        }
        List<String> created = node.ensureSlots(slots);
        if (!created.isEmpty()) {
            log.info("created replication slots {} so the other members can stream from this primary", created);
        }
        if (!setUp) {
            node.createReplicationUser();
            int migrations = InternalSchema.migrate(node.probe().dataSource());
            if (migrations > 0) {
                log.info("migrated internal schema {}: {} migration(s)", InternalSchema.SCHEMA, migrations);
            }
            setUp = true;
        }
        int timeline = member.observation().timeline();
        if (member.ownHistory() == null || member.ownHistory().timeline() != timeline) {
            try {
                member.ownHistory(node.ownHistory());   // published in the status: members coming back check their WAL against it
            } catch (SQLException e) {
                log.debug("timeline history not read (next pass): {}", e.getMessage());
            }
        }
        String synchronousNames = configuration.synchronousNamesToApply(v);
        if (synchronousNames != null) {
            configuration.write(null, v);
            node.reload();
            log.info("synchronous_standby_names set to '{}' as C-state decided", synchronousNames);
        }
        InternalSchema.beat(node.probe().dataSource(), member.name(), v.state().epoch());
    }

    /**
     * Once a standby streams, loads the schema migration code in the background at low priority (see
     * {@link InternalSchema#warmUp}): a promotion then does not wait for it.
     */
    void warmUpOnStandby(Observation obs) {
        if (schemaWarmedUp || obs.role() != PostgresRole.STANDBY || !obs.streaming()) {
            return;
        }
        schemaWarmedUp = true;
        Thread t = new Thread(() -> {
            try {
                InternalSchema.warmUp(node.probe().dataSource());
                log.debug("Flyway warmed up for a promotion");
            } catch (RuntimeException e) {
                log.debug("Flyway warm-up failed (a promotion loads it then): {}", e.toString());
            }
        }, "keeper-schema-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }
}

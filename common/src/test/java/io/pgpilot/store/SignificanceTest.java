package io.pgpilot.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.Lsn;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.ObjectNames;
import io.pgpilot.cluster.PostgresRole;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignificanceTest {

    private static Lease primary(String holder, int epoch, int second) {
        return new LeaseBuilder().withNewMetadata().withName("demo-primary").endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseTransitions(epoch)
                .withRenewTime(ZonedDateTime.parse("2026-11-25T10:00:00Z").plusSeconds(second)).endSpec().build();
    }

    private static Lease keeper(KeeperStatus status) {
        return new LeaseBuilder().withNewMetadata().withName("demo-keeper-k1")
                .withAnnotations(Map.of(ObjectNames.ANNOTATION_STATUS, status.toJson())).endMetadata().build();
    }

    private static final KeeperStatus STREAMING = KeeperStatus.starting("k1", "127.0.0.1", 5432, 8008).toBuilder()
            .role(PostgresRole.STANDBY).state(MemberState.STREAMING).replayLsn(new Lsn(100)).build();

    @Test
    void aRenewalIsRoutineButANewHolderOrEpochIsNot() {
        assertThat(Significance.changed(primary("k0", 1, 0), primary("k0", 1, 1))).isFalse();
        assertThat(Significance.changed(primary("k0", 1, 0), primary("k1", 2, 1))).isTrue();
        assertThat(Significance.changed(primary("k0", 1, 0), primary(null, 1, 1))).as("released").isTrue();
    }

    @Test
    void aKeeperWhosePositionsMovedIsRoutineButOneThatChangedStateIsNot() {
        assertThat(Significance.changed(keeper(STREAMING), keeper(STREAMING.toBuilder().replayLsn(new Lsn(200)).build()))).isFalse();
        assertThat(Significance.changed(keeper(STREAMING), keeper(STREAMING.toBuilder().state(MemberState.RUNNING).build()))).isTrue();
        assertThat(Significance.changed(keeper(STREAMING), keeper(STREAMING.toBuilder().finalLsn(new Lsn(300)).build()))).isTrue();
    }

    @Test
    void anyChangeOfAConfigMapsDataCounts() {
        var before = new ConfigMapBuilder().withNewMetadata().withName("demo-state").endMetadata().withData(Map.of("state.json", "{}")).build();
        var same = new ConfigMapBuilder(before).build();
        var changed = new ConfigMapBuilder(before).withData(Map.of("state.json", "{\"generation\": 2}")).build();
        assertThat(Significance.changed(before, same)).isFalse();
        assertThat(Significance.changed(before, changed)).isTrue();
    }
}

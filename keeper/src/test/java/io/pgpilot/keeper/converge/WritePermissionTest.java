package io.pgpilot.keeper.converge;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.MemberPlan;
import io.pgpilot.cluster.PrimaryLease;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The write rule as a table: C-state's primary and plan for this member, C-state's epoch, the primary
 * Lease and the freshness of the last renewal in; whether the member may write, whether the Lease is its to
 * renew, whether it must give the Lease back, and the reason, out.
 */
class WritePermissionTest {

    private static final MemberPlan PRIMARY = MemberPlan.primary();
    private static final MemberPlan STANDBY = MemberPlan.standbyOf("k2");

    /**
     * @param reason a fragment of the refusal's words; null when writes are granted
     */
    record Row(String name, String plannedPrimary, MemberPlan plan, long epoch, PrimaryLease lease, boolean fresh,
               boolean granted, boolean holder, boolean returns, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> table() {
        PrimaryLease mine = new PrimaryLease("me", 3, "1");
        return Stream.of(
                new Row("planned, held at C-state's epoch, fresh", "me", PRIMARY, 3, mine, true, true, true, false, null),
                new Row("planned and held, but the renewal is stale", "me", PRIMARY, 3, mine, false, false, true, false, "older than the renew deadline"),
                new Row("planned, the Lease missing", "me", PRIMARY, 3, null, true, false, false, false, "missing"),
                new Row("planned, the Lease released", "me", PRIMARY, 3, new PrimaryLease(null, 3, "2"), true, false, false, false, "released"),
                new Row("planned, the Lease held by another", "me", PRIMARY, 3, new PrimaryLease("k2", 3, "2"), true, false, false, false, "held by k2"),
                new Row("planned, the Lease given to it again at a later epoch (C-state follows)", "me", PRIMARY, 3, new PrimaryLease("me", 4, "2"),
                        true, true, true, false, null),
                new Row("planned, the Lease one epoch behind (restored from an older copy)", "me", PRIMARY, 3, new PrimaryLease("me", 2, "2"), true,
                        false, false, false, "epoch 2 is behind C-state's epoch 3"),
                new Row("C-state names another primary, the Lease still ours (a switchover)", "k2", STANDBY, 3, mine, true, false, false, true,
                        "names k2 as primary"),
                new Row("C-state names another primary, the Lease moved to it ahead of C-state (a transfer in flight)", "k2", STANDBY, 3,
                        new PrimaryLease("me", 4, "2"), true, false, false, false, "names k2 as primary"),
                new Row("C-state names no primary", null, STANDBY, 3, mine, true, false, false, true, "names no primary"),
                new Row("C-state names this member but plans nothing for it", "me", null, 3, mine, true, false, false, true, "does not plan it"),
                new Row("C-state names this member but plans it as a standby", "me", STANDBY, 3, mine, true, false, false, true, "does not plan it"),
                new Row("a standby that holds nothing", "k2", STANDBY, 3, new PrimaryLease("k2", 3, "2"), false, false, false, false, "names k2 as primary"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void judges(Row row) {
        WritePermission permission = WritePermission.of("me", row.plannedPrimary(), row.plan(), row.epoch(), row.lease(), row.fresh());
        assertThat(permission.granted()).as("granted").isEqualTo(row.granted());
        assertThat(permission.holder()).as("holder").isEqualTo(row.holder());
        assertThat(permission.returns()).as("returns").isEqualTo(row.returns());
        if (row.reason() == null) {
            assertThat(permission.whyNot()).isNull();
        } else {
            assertThat(permission.whyNot()).contains(row.reason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void neverGrantsWithoutEveryCondition(Row row) {
        WritePermission permission = WritePermission.of("me", row.plannedPrimary(), row.plan(), row.epoch(), row.lease(), row.fresh());
        if (permission.granted()) {
            assertThat(permission.planned() && permission.holds() && permission.renewalFresh()).isTrue();
            assertThat(row.lease().isHeldBy("me") && row.lease().epoch() >= row.epoch()).as("the Lease names it at C-state's epoch or later").isTrue();
        }
        assertThat(permission.holder() && permission.returns()).as("never both keep and give back the Lease").isFalse();
    }
}

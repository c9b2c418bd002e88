package io.pgpilot.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.cluster.Lsn;
import io.pgpilot.keeper.model.WalPosition;
import org.junit.jupiter.api.Test;

/** Reading where the WAL ends from pg_waldump's last words (PostgreSQL 15's wording). */
class WalEndTest {

    @Test
    void anInvalidRecordLengthMarksTheEnd() {
        String out = "pg_waldump: error: error in WAL record at 0/531B470: invalid record length at 0/531B498: wanted 24, got 0";
        assertThat(WalEndReader.walEnd(4, out)).isEqualTo(new WalPosition(4, Lsn.parse("0/531B498")));
    }

    @Test
    void aBadLinkInARecycledSegmentMarksTheEndToo() {
        String out = "pg_waldump: error: error in WAL record at 0/6000000: record with incorrect prev-link 0/40000A0 at 0/6000028";
        assertThat(WalEndReader.walEnd(2, out)).isEqualTo(new WalPosition(2, Lsn.parse("0/6000028")));
    }

    @Test
    void aMissingNextSegmentOnTheSameTimelineEndsTheWalAtItsStart() {
        String out = "pg_waldump: error: could not find file \"000000010000000000000005\": No such file or directory";
        assertThat(WalEndReader.walEnd(1, out)).isEqualTo(new WalPosition(1, Lsn.parse("0/5000000")));
        assertThat(WalEndReader.walEnd(1, "pg_waldump: error: could not find file \"0000000100000001000000A0\": x"))
                .isEqualTo(new WalPosition(1, Lsn.parse("1/A0000000")));
    }

    @Test
    void aZeroFilledPageMarksTheEndAtItsStart() {
        String out = "pg_waldump: error: error in WAL record at 0/5FFFF88: invalid magic number 0000 in log segment 000000100000000000000006, offset 0";
        assertThat(WalEndReader.walEnd(16, out)).isEqualTo(new WalPosition(16, Lsn.parse("0/6000000")));
        assertThat(WalEndReader.walEnd(16, "invalid magic number 0000 in log segment 000000100000000000000006, offset 8192"))
                .isEqualTo(new WalPosition(16, Lsn.parse("0/6002000")));
    }

    @Test
    void aPageLeftFromARecycledSegmentMarksTheEndAtItsStart() {
        // A clean stop whose shutdown checkpoint ended exactly at a page boundary, seen in KeeperClusterTest: the
        // next page still carries the address of the segment's earlier life.
        String out = "pg_waldump: error: error in WAL record at 0/5037F88: unexpected pageaddr 0/5024000 in log segment "
                + "000000020000000000000005, offset 229376";
        assertThat(WalEndReader.walEnd(2, out)).isEqualTo(new WalPosition(2, Lsn.parse("0/5038000")));
        assertThat(WalEndReader.walEnd(3, out)).as("a segment of another timeline says nothing about this one").isNull();
    }

    @Test
    void theSegmentFileOfAPositionIsNamedAsPostgresNamesIt() {
        assertThat(WalEndReader.segmentName(16, Lsn.parse("0/5FA4FE0"))).isEqualTo("000000100000000000000005");
        assertThat(WalEndReader.segmentName(1, Lsn.parse("1/A0000000"))).isEqualTo("0000000100000001000000A0");
    }

    @Test
    void anythingElseIsUnknown() {
        assertThat(WalEndReader.walEnd(2, "pg_waldump: error: could not find file \"000000010000000000000005\": No such file")).isNull();
        assertThat(WalEndReader.walEnd(1, "pg_waldump: error: invalid magic number 0000 in log segment 000000020000000000000003, offset 0"))
                .as("another timeline's segment").isNull();
        assertThat(WalEndReader.walEnd(1, "pg_waldump: error: invalid magic number D110 in log segment 000000010000000000000003, offset 0"))
                .as("a page of another kind of file").isNull();
        assertThat(WalEndReader.walEnd(1, "")).isNull();
    }
}

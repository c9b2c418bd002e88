package io.pgpilot.keeper.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgpilot.cluster.Lsn;
import org.junit.jupiter.api.Test;

/** Reading a timeline history file and telling whether a member's WAL can follow that timeline as it is. */
class TimelineHistoryTest {

    /** Timeline 5's history as PostgreSQL 15 writes it: timelines 1 to 4, each with where it ended. */
    private static final String HISTORY_5 = """
            1\t0/4000668\tno recovery target specified

            2\t0/50A1200\tno recovery target specified
            3\t0/51BE240\tno recovery target specified
            # a comment line
            4\t0/531B3B8\tno recovery target specified
            """;

    private final TimelineHistory history = TimelineHistory.parse(5, HISTORY_5);

    @Test
    void readsEveryPastTimelineAndWhereItEnded() {
        assertThat(history.timeline()).isEqualTo(5);
        assertThat(history.switchpoints()).hasSize(4).containsEntry(4, Lsn.parse("0/531B3B8")).containsEntry(1, Lsn.parse("0/4000668"));
    }

    @Test
    void walPastTheForkPointHasDiverged() {
        // The case seen in the failover benchmark: a standby that had replayed 0/531B498 on timeline 4.
        assertThat(history.divergenceOf(new WalPosition(4, Lsn.parse("0/531B498")))).isEqualTo(Divergence.DIVERGED);
    }

    @Test
    void walEndingExactlyAtOrBeforeTheForkPointCanFollow() {
        assertThat(history.divergenceOf(new WalPosition(4, Lsn.parse("0/531B3B8")))).isEqualTo(Divergence.NONE);
        assertThat(history.divergenceOf(new WalPosition(4, Lsn.parse("0/5300000")))).isEqualTo(Divergence.NONE);
        assertThat(history.divergenceOf(new WalPosition(2, Lsn.parse("0/50A1200")))).isEqualTo(Divergence.NONE);
    }

    @Test
    void theSameTimelineNeverDiverges() {
        assertThat(history.divergenceOf(new WalPosition(5, Lsn.parse("9/0")))).isEqualTo(Divergence.NONE);
    }

    @Test
    void aTimelineOutsideTheUpstreamsPastHasDivergedAndANewerOneIsUnknown() {
        TimelineHistory other = TimelineHistory.parse(3, "1\t0/3000000\tx\n2\t0/3500000\tx\n");
        assertThat(history.divergenceOf(new WalPosition(6, Lsn.parse("0/1000000")))).isEqualTo(Divergence.UNKNOWN);
        assertThat(TimelineHistory.parse(7, "1\t0/1\tx\n6\t0/9\tx\n").divergenceOf(new WalPosition(4, Lsn.parse("0/1"))))
                .isEqualTo(Divergence.DIVERGED);
        assertThat(other.divergenceOf(new WalPosition(2, Lsn.parse("0/3500001")))).isEqualTo(Divergence.DIVERGED);
    }

    @Test
    void aLineWithoutASwitchPointIsRefusedByName() {
        assertThatThrownBy(() -> TimelineHistory.parse(2, "1\n")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1'");
    }
}

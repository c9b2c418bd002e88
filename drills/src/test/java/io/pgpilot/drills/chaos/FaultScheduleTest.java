package io.pgpilot.drills.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    private static List<FaultSchedule.Planned> plan(long seed, int n) {
        FaultSchedule schedule = new FaultSchedule(seed);
        List<FaultSchedule.Planned> planned = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            planned.add(schedule.next());
        }
        return planned;
    }

    @Test
    void theSameSeedGivesTheSamePlanSoThatARunCanBeReplayed() {
        assertThat(plan(42, 200)).isEqualTo(plan(42, 200));
        assertThat(plan(42, 200)).isNotEqualTo(plan(43, 200));
    }

    @Test
    void everyKindComesUpAndDurationsStayInTheirRanges() {
        List<FaultSchedule.Planned> planned = plan(7, 2_000);
        Set<FaultKind> kinds = EnumSet.noneOf(FaultKind.class);
        planned.forEach(p -> kinds.add(p.kind()));
        assertThat(kinds).containsExactlyInAnyOrder(FaultKind.values());
        assertThat(planned).allSatisfy(p -> {
            switch (p.kind()) {
                case FREEZE_KEEPER, FREEZE_POSTGRES -> assertThat(p.durationMs()).isBetween(1_000L, 20_000L);
                case STALL_API -> assertThat(p.durationMs()).isBetween(1_000L, 60_000L);
                default -> assertThat(p.durationMs()).isZero();
            }
            assertThat(p.pauseAfterMs()).isBetween(2_000L, 10_000L);
        });
        assertThat(planned.stream().filter(FaultSchedule.Planned::alongside).count()).as("several at once now and then").isBetween(200L, 400L);
    }
}

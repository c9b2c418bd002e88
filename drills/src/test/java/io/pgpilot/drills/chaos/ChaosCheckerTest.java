package io.pgpilot.drills.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.pgpilot.drills.chaos.ChaosChecker.Key;
import io.pgpilot.drills.chaos.ChaosChecker.Verdict;
import io.pgpilot.drills.chaos.History.Ack;
import io.pgpilot.drills.chaos.History.Fault;
import io.pgpilot.drills.chaos.History.Sample;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The chaos run's judge on made-up histories: a clean run passes; a planted lost write, a changed value and a
 * planted second primary (seen by the sampler, or in the acknowledgements) are each caught; availability and
 * gaps come out as computed by hand. Times in milliseconds of a run that starts at 0 and lasts 10 s.
 */
class ChaosCheckerTest {

    private static final long MS = 1_000_000L;
    private static final long END = 10_000 * MS;
    private static final int PRIMARY = 6001;
    private static final int OTHER = 6002;

    private final History history = new History();
    private final Map<Key, String> rows = new HashMap<>();

    /** Writer 1 inserting every 10 ms from 0 to 10 s through {@code port}, each insert taking 2 ms; all of them on the final primary. */
    private void steadyWrites(int port) {
        for (long t = 0; t < 10_000; t += 10) {
            write(1, t, port);
        }
    }

    private void write(int writer, long atMs, int port) {
        long id = atMs;
        history.ack(new Ack(writer, id, "v" + id, atMs * MS, (atMs + 2) * MS, port));
        rows.put(new Key(writer, id), "v" + id);
    }

    private Verdict check() {
        return ChaosChecker.check(history, rows, 0, END);
    }

    @Test
    void aCleanRunIsSafeAndFullyAvailable() {
        steadyWrites(PRIMARY);
        history.sample(new Sample(500 * MS, Set.of("k0")));
        Verdict v = check();
        assertThat(v.safe(true)).isTrue();
        assertThat(v.acknowledged()).isEqualTo(1000);
        assertThat(v.lost()).isEmpty();
        assertThat(v.writeAvailability()).isEqualTo(1.0);
        assertThat(v.longestGapNanos()).isEqualTo(10 * MS);
    }

    @Test
    void aPlantedLostWriteIsCaughtAndPutDownToTheFaultThatFollowedIt() {
        steadyWrites(PRIMARY);
        Fault crash = new Fault(1, FaultKind.KILL_KEEPER, "k0", "primary", 5_005 * MS, 5_005 * MS);
        history.fault(crash);
        rows.remove(new Key(1, 5_000));
        Verdict v = check();
        assertThat(v.lost()).singleElement().satisfies(l -> {
            assertThat(l.ack().id()).isEqualTo(5_000);
            assertThat(l.fault()).isEqualTo(crash);
        });
        assertThat(v.byKind().get(FaultKind.KILL_KEEPER).lost()).isEqualTo(1);
        assertThat(v.safe(true)).as("synchronous mode loses nothing").isFalse();
        assertThat(v.safe(false)).as("asynchronous mode counts and reports it").isTrue();
    }

    @Test
    void aWriteAcknowledgedJustAfterAnInstantFaultIsPutDownToItNotToTheNextOne() {
        steadyWrites(PRIMARY);
        Fault crash = new Fault(1, FaultKind.KILL_KEEPER, "k0", "primary", 4_999 * MS, 4_999 * MS);
        Fault later = new Fault(2, FaultKind.FREEZE_POSTGRES, "k1", "primary", 7_000 * MS, 8_000 * MS);
        history.fault(crash);
        history.fault(later);
        rows.remove(new Key(1, 5_000));   // sent 1 ms after the kill, acknowledged by a backend still finishing
        Verdict v = check();
        assertThat(v.lost()).singleElement().satisfies(l -> assertThat(l.fault()).isEqualTo(crash));
        assertThat(v.byKind().get(FaultKind.FREEZE_POSTGRES).lost()).isZero();
    }

    @Test
    void aRowWithAnotherValueThanAcknowledgedIsNeverSafe() {
        steadyWrites(PRIMARY);
        rows.put(new Key(1, 300), "something else");
        Verdict v = check();
        assertThat(v.wrongValue()).extracting(Ack::id).containsExactly(300L);
        assertThat(v.safe(false)).isFalse();
    }

    @Test
    void aPlantedSecondPrimaryInTheSamplesIsCaught() {
        steadyWrites(PRIMARY);
        history.sample(new Sample(100 * MS, Set.of("k0")));
        history.sample(new Sample(200 * MS, Set.of("k0", "k1")));
        Verdict v = check();
        assertThat(v.twoWritable()).extracting(Sample::nanos).containsExactly(200 * MS);
        assertThat(v.safe(false)).isFalse();
    }

    @Test
    void twoMembersAcknowledgingWithinOverlappingWindowsAreTwoPrimaries() {
        steadyWrites(PRIMARY);
        // Sent at 4 001 ms, while the primary's insert of 4 000 ms (acknowledged at 4 002 ms) was under way.
        history.ack(new Ack(2, 1, "x", 4_001 * MS, 4_004 * MS, OTHER));
        rows.put(new Key(2, 1), "x");
        Verdict v = check();
        assertThat(v.overlaps()).singleElement().satisfies(o -> {
            assertThat(o.first().port()).isEqualTo(PRIMARY);
            assertThat(o.second().port()).isEqualTo(OTHER);
        });
        assertThat(v.safe(false)).isFalse();
    }

    @Test
    void aHandoverBetweenMembersWithAGapIsNoOverlap() {
        for (long t = 0; t < 5_000; t += 10) {
            write(1, t, PRIMARY);
        }
        for (long t = 5_500; t < 10_000; t += 10) {
            write(1, t, OTHER);
        }
        Verdict v = check();
        assertThat(v.overlaps()).isEmpty();
        assertThat(v.safe(true)).isTrue();
        assertThat(v.longestGapNanos()).isEqualTo((5_502 - 4_992) * MS);
    }

    @Test
    void aLongWindowProvesNothing() {
        steadyWrites(PRIMARY);
        // Sent before a freeze, acknowledged after it: the commit may have happened at its very start.
        history.ack(new Ack(2, 1, "x", 3_000 * MS, 6_000 * MS, OTHER));
        rows.put(new Key(2, 1), "x");
        assertThat(check().overlaps()).isEmpty();
    }

    @Test
    void theLongestGapPerKindIsTheLongestStretchWithoutAWriteAroundAFaultOfThatKind() {
        for (long t = 0; t < 3_000; t += 10) {
            write(1, t, PRIMARY);
        }
        for (long t = 4_200; t < 10_000; t += 10) {
            write(1, t, OTHER);
        }
        history.fault(new Fault(1, FaultKind.FREEZE_KEEPER, "k0", "primary", 2_995 * MS, 3_500 * MS));
        history.fault(new Fault(2, FaultKind.KILL_PROXY, "proxy", "proxy", 8_000 * MS, 8_000 * MS));
        Verdict v = check();
        assertThat(v.byKind().get(FaultKind.FREEZE_KEEPER).longestGapNanos()).isEqualTo((4_202 - 2_992) * MS);
        assertThat(v.byKind().get(FaultKind.KILL_PROXY).longestGapNanos()).isEqualTo(10 * MS);
        assertThat(v.byKind()).doesNotContainKey(FaultKind.STALL_API);
        // 1.2 s of the 10 s had no write: 88 of the 100 ms intervals did.
        assertThat(v.writeAvailability()).isCloseTo(0.88, within(0.011));
    }

    @Test
    void readAvailabilityCountsIntervalsWithASuccessfulRead() {
        steadyWrites(PRIMARY);
        for (long t = 0; t < 10_000; t += 50) {
            history.read(new History.Read(t * MS, t < 2_000 || t >= 3_000));
        }
        assertThat(check().readAvailability()).isCloseTo(0.9, within(0.001));
    }
}

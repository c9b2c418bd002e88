package io.pgpilot.keeper.member;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.store.KeeperRecord;
import io.pgpilot.store.Read;
import io.pgpilot.store.StoreUnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** When the first heartbeat decides on the reading issued at the process's start, and when it reads again. */
class ClusterReadingTest {

    private static final long INTERVAL_MS = 1_000;
    private static final long MS = 1_000_000L;

    private static ClusterReading issuedAt(long nanos, CompletableFuture<List<KeeperRecord>> keepers) {
        return new ClusterReading(nanos, CompletableFuture.completedFuture(new Read.Missing<>("spec")),
                CompletableFuture.completedFuture(new Read.Missing<>("state")), new CompletableFuture<>(), keepers);
    }

    @Test
    void aReadingYoungerThanAHeartbeatIntervalServesTheFirstHeartbeatEvenWithReadsStillUnderway() {
        ClusterReading reading = issuedAt(0, CompletableFuture.completedFuture(List.of()));
        assertThat(reading.usableAt(0, INTERVAL_MS)).isTrue();
        assertThat(reading.usableAt(INTERVAL_MS * MS - 1, INTERVAL_MS)).as("the lease read has not answered yet: waited for").isTrue();
    }

    @Test
    void anOlderReadingIsNotDecidedOn() {
        ClusterReading reading = issuedAt(0, CompletableFuture.completedFuture(List.of()));
        assertThat(reading.usableAt(INTERVAL_MS * MS, INTERVAL_MS)).isFalse();
        assertThat(reading.usableAt(5 * INTERVAL_MS * MS, 5 * INTERVAL_MS)).as("a spec with a longer interval allows longer")
                .isFalse();
        assertThat(reading.usableAt(4 * INTERVAL_MS * MS, 5 * INTERVAL_MS)).isTrue();
    }

    @Test
    void aReadingWithAFailedReadIsReplacedByAFreshRound() {
        ClusterReading reading = issuedAt(0, CompletableFuture.failedFuture(new StoreUnavailableException("API server away", null)));
        assertThat(reading.usableAt(0, INTERVAL_MS)).isFalse();
    }
}

package io.pgpilot.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ParallelReadsTest {

    @Test
    void readsRunAtTheSameTime() {
        // Each read waits for the other: in sequence this could never finish.
        CountDownLatch both = new CountDownLatch(2);
        var first = ParallelReads.start(() -> meet(both));
        var second = ParallelReads.start(() -> meet(both));
        assertThat(ParallelReads.join(first)).isTrue();
        assertThat(ParallelReads.join(second)).isTrue();
    }

    @Test
    void aFailedReadThrowsItsOwnExceptionSoCallersHandleItAsBefore() {
        var read = ParallelReads.start(() -> {
            throw new StoreUnavailableException("API server unreachable", null);
        });
        assertThatThrownBy(() -> ParallelReads.join(read)).isInstanceOf(StoreUnavailableException.class).hasMessage("API server unreachable");
    }

    private static boolean meet(CountDownLatch both) {
        both.countDown();
        try {
            return both.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

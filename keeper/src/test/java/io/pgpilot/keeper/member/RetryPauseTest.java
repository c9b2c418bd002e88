package io.pgpilot.keeper.member;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryPauseTest {

    private static final long MS = 1_000_000;

    @Test
    void aFailedActionWaitsAPauseThatDoublesUpToTheCap() {
        RetryPause pause = new RetryPause();
        assertThat(pause.mayRun("Rewind", 0)).isTrue();
        assertThat(pause.failed("Rewind", 0)).isEqualTo(RetryPause.FIRST_MS);
        assertThat(pause.mayRun("Rewind", (RetryPause.FIRST_MS - 1) * MS)).isFalse();
        assertThat(pause.mayRun("Rewind", RetryPause.FIRST_MS * MS)).isTrue();
        assertThat(pause.failed("Rewind", 0)).isEqualTo(2 * RetryPause.FIRST_MS);
        long last = 0;
        for (int i = 0; i < 40; i++) {
            last = pause.failed("Rewind", 0);
        }
        assertThat(last).isEqualTo(RetryPause.MAX_MS);
    }

    @Test
    void anotherDecisionRunsAtOnceAndASuccessEndsThePause() {
        RetryPause pause = new RetryPause();
        pause.failed("Rewind", 0);
        pause.failed("Rewind", 0);
        assertThat(pause.mayRun("Clone", 1)).as("a different decision is not held back").isTrue();
        assertThat(pause.failed("Clone", 0)).as("a different action's failures count from one").isEqualTo(RetryPause.FIRST_MS);
        pause.succeeded();
        assertThat(pause.mayRun("Clone", 1)).isTrue();
        assertThat(pause.failed("Clone", 0)).isEqualTo(RetryPause.FIRST_MS);
    }
}

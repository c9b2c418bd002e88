package io.pgpilot.drills.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The chaos runner for one minute in synchronous mode, with a seed whose plan hits the primary in every way
 * (its keeper frozen, killed and restarted, its PostgreSQL killed, a SIGTERM) among other faults: the smoke
 * run for every build. The half-hour runs are in docs/benchmarks.md (bench/chaos/run.sh).
 */
class ChaosRunSmokeTest {

    @Test
    void aMinuteOfFaultsInSynchronousModeLosesNoAcknowledgedWriteAndNeverHasTwoPrimaries() {
        int exit = new CommandLine(new ChaosRun()).execute("--minutes", "1", "--synchronous", "--seed", "11");
        assertThat(exit).as("the chaos run's verdict (its report is in the output above)").isZero();
    }
}

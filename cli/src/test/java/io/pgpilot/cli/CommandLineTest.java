package io.pgpilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a person typing the command sees: help where they ask for it, and a bad flag named. Nothing here starts a cluster. */
class CommandLineTest {

    private record Outcome(int exitCode, String out, String err) {
    }

    private static Outcome run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Outcome(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local up", "local down", "local kill", "status", "switchover", "failover", "pause", "recover", "api-server"})
    void everySubcommandPrintsItsUsageOnHelp(String command) {
        String[] args = (command + " --help").split(" ");
        Outcome outcome = run(args);
        assertThat(outcome.exitCode()).isZero();
        assertThat(outcome.out()).contains("Usage: pgpilot " + command).contains("--help");
    }

    @Test
    void aMistypedFlagIsNamedWithTheFlagMeantAndNothingRuns() {
        Outcome outcome = run("local", "up", "--rw-prot", "25432");
        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(outcome.err()).contains("Unknown option").contains("'--rw-prot'").contains("Possible solutions: --rw-port");
    }

    @Test
    void recoverNamesTheMemberToAdoptOrSaysWhatIsMissing() {
        Outcome missing = run("recover");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required option: '--adopt=MEMBER'");
        Outcome badName = run("recover", "--adopt", "Keeper_0", "--dir", "/nonexistent");
        assertThat(badName.exitCode()).isEqualTo(1);
        assertThat(badName.err()).contains("keeper name 'Keeper_0' is not allowed");
    }
}

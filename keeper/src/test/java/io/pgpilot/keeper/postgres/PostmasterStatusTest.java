package io.pgpilot.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PostmasterStatusTest {

    /** The layout PostgreSQL 15 writes: pid, data directory, start time, port, socket directory, listen address, shared memory key, status. */
    private static String pidFile(long pid, String status) {
        return pid + "\n/var/lib/postgresql/data\n1764121201\n5432\n/run/postgresql\n127.0.0.1\n  5432001      3\n" + status + "\n";
    }

    @ParameterizedTest
    @CsvSource({"'ready   ', true", "'standby ', true", "'starting', false", "'stopping', false"})
    void acceptsConnectionsOnlyWhenReadyOrInHotStandby(String status, boolean accepting) {
        assertThat(PostmasterStatus.parse(pidFile(4242, status)).orElseThrow().acceptsConnections(4242)).isEqualTo(accepting);
    }

    @Test
    void aFileLeftByAKilledPostmasterSaysNothingAboutTheNewOne() {
        assertThat(PostmasterStatus.parse(pidFile(4242, "ready   ")).orElseThrow().acceptsConnections(5151)).isFalse();
    }

    @Test
    void aFileStillBeingWrittenIsNoStatus() {
        assertThat(PostmasterStatus.parse("4242\n/var/lib/postgresql/data\n1764121201\n5432\n")).isEmpty();
        assertThat(PostmasterStatus.parse("")).isEmpty();
        assertThat(PostmasterStatus.parse("not a pid\na\nb\nc\nd\ne\nf\nready\n")).isEmpty();
    }
}

package io.pgpilot;

import io.pgpilot.testing.Architecture;
import org.junit.jupiter.api.Test;

/** This module's packages form no cycle, and its pure packages do no I/O (see {@link Architecture}). */
class ArchitectureTest {

    @Test
    void packagesAreAcyclicAndPureOnesDoNoInputOutput() {
        Architecture.check("io.pgpilot", "io.pgpilot.cluster", "io.pgpilot.time");
    }
}

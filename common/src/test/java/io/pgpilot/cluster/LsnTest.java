package io.pgpilot.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void readsAndWritesPostgresNotation() {
        Lsn lsn = Lsn.parse("16/B374D848");
        assertThat(lsn.value()).isEqualTo(0x16B374D848L);
        assertThat(lsn.toString()).isEqualTo("16/B374D848");
    }

    @Test
    void ordersAndSubtractsPositions() {
        Lsn lower = Lsn.parse("0/3000060");
        Lsn higher = Lsn.parse("1/0");
        assertThat(higher.isAfter(lower)).isTrue();
        assertThat(higher.bytesAfter(lower)).isEqualTo(0x1_0000_0000L - 0x3000060L);
        assertThat(lower.bytesAfter(higher)).isZero();
    }

    @Test
    void garbageIsRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> Lsn.parse("nonsense")).hasMessageContaining("HIGH/LOW");
        assertThatThrownBy(() -> Lsn.parse("0/XYZ")).hasMessageContaining("HIGH/LOW");
    }

    @Property
    void textFormRoundTrips(@ForAll long value) {
        Lsn lsn = new Lsn(value);
        assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
    }
}

package io.pgpilot.time;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpilot.testing.FakeClock;
import org.junit.jupiter.api.Test;

class LeaseObserverTest {

    private final FakeClock clock = new FakeClock();
    private final LeaseObserver observer = new LeaseObserver(clock);

    @Test
    void aLeaseNotRenewedForItsDurationExpires() {
        observer.observe("demo-primary", "10");
        clock.advanceMillis(7_999);
        observer.observe("demo-primary", "10");
        assertThat(observer.isExpired("demo-primary", 8_000)).isFalse();
        clock.advanceMillis(2);
        assertThat(observer.isExpired("demo-primary", 8_000)).isTrue();
    }

    @Test
    void aRenewalRestartsTheObserversCount() {
        observer.observe("demo-primary", "10");
        clock.advanceMillis(7_000);
        observer.observe("demo-primary", "11");
        clock.advanceMillis(7_000);
        assertThat(observer.isExpired("demo-primary", 8_000)).isFalse();
        assertThat(observer.millisSinceChange("demo-primary")).isEqualTo(7_000);
    }

    @Test
    void aLeaseNeverSeenIsNotExpiredAndAFreshObserverWaitsAFullDuration() {
        assertThat(observer.isExpired("demo-primary", 1)).isFalse();
        clock.advanceMillis(60_000);
        observer.observe("demo-primary", "10");
        assertThat(observer.isExpired("demo-primary", 8_000)).isFalse();
    }
}

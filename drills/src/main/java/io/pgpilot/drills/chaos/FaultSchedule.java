package io.pgpilot.drills.chaos;

import java.util.SplittableRandom;

/**
 * The chaos run's plan, drawn from one seed: which fault comes next, at whom, for how long, whether another
 * comes with it, and the pause after. The same seed gives the same plan, so a failing run can be replayed
 * (its timing, and so its outcome, may still differ: the cluster is real).
 */
public final class FaultSchedule {

    /** Whom a fault aimed at a member hits: resolved when it is injected, from the cluster as it is then. */
    public enum Aim { PRIMARY, STANDBY }

    /**
     * @param standbyIndex which standby, when aimed at one (modulo how many there are)
     * @param durationMs   how long a lasting fault holds; 0 for an instant one
     * @param alongside    another fault comes at the same time
     * @param pauseAfterMs how long the run waits once the cluster is healthy again, before the next fault
     */
    public record Planned(FaultKind kind, Aim aim, int standbyIndex, long durationMs, boolean alongside, long pauseAfterMs) {
    }

    /** How often a fault comes with another one. */
    static final double ALONGSIDE = 0.15;

    private final SplittableRandom random;

    public FaultSchedule(long seed) {
        this.random = new SplittableRandom(seed);
    }

    public Planned next() {
        FaultKind kind = FaultKind.values()[random.nextInt(FaultKind.values().length)];
        Aim aim = random.nextBoolean() ? Aim.PRIMARY : Aim.STANDBY;
        int standby = random.nextInt(16);
        long duration = switch (kind) {
            case FREEZE_KEEPER, FREEZE_POSTGRES -> 1_000 + random.nextInt(19_001);   // 1-20 s: a frozen node or a long GC pause
            case STALL_API -> 1_000 + random.nextInt(59_001);                        // 1-60 s
            default -> 0;
        };
        boolean alongside = random.nextDouble() < ALONGSIDE;
        long pause = 2_000 + random.nextInt(8_001);
        return new Planned(kind, aim, standby, duration, alongside, pause);
    }
}

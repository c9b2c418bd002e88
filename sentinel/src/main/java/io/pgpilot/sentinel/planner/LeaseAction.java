package io.pgpilot.sentinel.planner;

/** What to do with the {@code C-primary} Lease; always applied before C-state, always by compare-and-swap. */
public sealed interface LeaseAction {

    LeaseAction NONE = new None();

    record None() implements LeaseAction {
    }

    /** Bootstrap: grant the lease for the first time (epoch 1). */
    record Create(String holder) implements LeaseAction {
    }

    /**
     * Move the lease to {@code holder} with epoch {@code fromEpoch + 1}, only if it still is the record the
     * planner saw (the caller passes that record's resourceVersion).
     */
    record Transfer(String holder, long fromEpoch) implements LeaseAction {
    }
}

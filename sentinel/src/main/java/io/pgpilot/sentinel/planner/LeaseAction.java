package io.pgpilot.sentinel.planner;

/**
 * What to do with the {@code C-primary} Lease; always applied before C-state, always by compare-and-swap.
 * An epoch only ever grows: every action names the epoch it writes, and the planner derives it from the
 * highest epoch anyone has seen.
 */
public sealed interface LeaseAction {

    LeaseAction NONE = new None();

    record None() implements LeaseAction {
    }

    /** The Lease does not exist: create it for {@code holder} at {@code epoch} (bootstrap: epoch 1). Loses if it appeared meanwhile. */
    record Create(String holder, long epoch) implements LeaseAction {
    }

    /**
     * Give the lease to {@code holder} at {@code epoch}, only if it still is the record the planner saw at
     * {@code fromEpoch} (the caller passes that record's resourceVersion).
     */
    record Transfer(String holder, long fromEpoch, long epoch) implements LeaseAction {
    }
}

package io.pgpilot.sentinel.planner;

/** One named reason with the particulars of this case (which keeper, which positions). */
public record Finding(Reason reason, String detail) {

    @Override
    public String toString() {
        return reason + ": " + detail;
    }
}

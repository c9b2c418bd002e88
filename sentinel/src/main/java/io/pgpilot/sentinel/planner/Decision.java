package io.pgpilot.sentinel.planner;

import io.pgpilot.cluster.ClusterState;
import io.pgpilot.cluster.OperatorRequest;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The planner's answer.
 *
 * @param next          the next C-state, or null when nothing changes
 * @param leaseAction   what to do with the primary Lease, applied before {@code next}
 * @param requestAnswer the answered operator request, or null when it stays as it is
 * @param retired       keepers whose status Leases may be deleted (they left the plan)
 * @param findings      the named reasons, most important first
 */
public record Decision(ClusterState next, LeaseAction leaseAction, OperatorRequest requestAnswer, List<String> retired,
                       List<Finding> findings) {

    public Decision {
        leaseAction = leaseAction == null ? LeaseAction.NONE : leaseAction;
        retired = retired == null ? List.of() : List.copyOf(retired);
        findings = List.copyOf(findings);
    }

    /** Nothing to write; the findings still say what the planner saw. */
    public static Decision nothing(List<Finding> findings) {
        return new Decision(null, LeaseAction.NONE, null, List.of(), findings);
    }

    public boolean writesAnything() {
        return next != null || !(leaseAction instanceof LeaseAction.None) || requestAnswer != null || !retired.isEmpty();
    }

    public Set<Reason> reasons() {
        return findings.stream().map(Finding::reason).collect(Collectors.toSet());
    }

    public boolean has(Reason reason) {
        return reasons().contains(reason);
    }

    /** The first finding: the headline of the log line and the Event. */
    public Finding headline() {
        return findings.isEmpty() ? new Finding(Reason.PRIMARY_HEALTHY, "nothing to do") : findings.get(0);
    }

    /** One line for the log: every finding, most important first. */
    public String describe() {
        return findings.stream().map(Finding::toString).collect(Collectors.joining("; "));
    }
}

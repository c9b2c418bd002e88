package io.pgpilot.store;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.ObjectNames;
import java.util.Objects;

/** Whether a change to one of the cluster's objects is worth reacting to before the next heartbeat. */
final class Significance {

    private Significance() {
    }

    /** Anything but a ConfigMap or a Lease (a keeper Pod: its container's state) is significant. */
    static boolean changed(HasMetadata before, HasMetadata after) {
        if (before instanceof ConfigMap a && after instanceof ConfigMap b) {
            return !Objects.equals(a.getData(), b.getData());
        }
        if (before instanceof Lease a && after instanceof Lease b) {
            String status = ObjectNames.ANNOTATION_STATUS;
            String statusA = a.getMetadata().getAnnotations() == null ? null : a.getMetadata().getAnnotations().get(status);
            String statusB = b.getMetadata().getAnnotations() == null ? null : b.getMetadata().getAnnotations().get(status);
            if (statusA != null || statusB != null) {
                return !condition(statusA).equals(condition(statusB));
            }
            // The primary Lease (or any other): a renewal changes neither holder nor epoch.
            return !Objects.equals(holder(a), holder(b)) || !Objects.equals(transitions(a), transitions(b));
        }
        return true;
    }

    private static String condition(String json) {
        if (json == null) {
            return "";
        }
        try {
            return ClusterJson.readWritten(json, KeeperStatus.class).condition();
        } catch (RuntimeException e) {
            return json;
        }
    }

    private static String holder(Lease lease) {
        return lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
    }

    private static Integer transitions(Lease lease) {
        return lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
    }
}

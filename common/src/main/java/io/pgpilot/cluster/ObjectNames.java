package io.pgpilot.cluster;

import java.util.Map;

/**
 * Every Kubernetes object name, label and annotation pgpilot uses, derived from the cluster name in this
 * one place.
 */
public record ObjectNames(String cluster) {

    public static final String LABEL_CLUSTER = "pgpilot.io/cluster";
    public static final String LABEL_COMPONENT = "pgpilot.io/component";
    public static final String LABEL_KEEPER = "pgpilot.io/keeper";
    public static final String ANNOTATION_STATUS = "pgpilot.io/status";
    /** On a copy of an unreadable object that pgpilot set aside before replacing it: the original's name. */
    public static final String ANNOTATION_SET_ASIDE_FROM = "pgpilot.io/set-aside-from";
    public static final String SPEC_KEY = "spec.json";
    public static final String STATE_KEY = "state.json";
    public static final String REQUEST_KEY = "request.json";
    /** Keys of the Secret holding the PostgreSQL passwords. */
    public static final String SUPERUSER_PASSWORD_KEY = "superuser-password";
    public static final String REPLICATION_PASSWORD_KEY = "replication-password";
    public static final String REPLICATION_USER = "replicator";
    public static final String SUPERUSER = "postgres";

    private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    public ObjectNames {
        if (cluster == null || !cluster.matches(DNS_LABEL) || cluster.length() > 40) {
            throw new IllegalArgumentException("cluster name '" + cluster
                    + "' is not allowed: use at most 40 lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
    }

    /** Checks a keeper name the same way Kubernetes checks a pod name used as a label value. */
    public static String checkKeeperName(String keeper) {
        if (keeper == null || !keeper.matches(DNS_LABEL) || keeper.length() > 63) {
            throw new IllegalArgumentException("keeper name '" + keeper
                    + "' is not allowed: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
        return keeper;
    }

    public String specConfigMap() {
        return cluster + "-spec";
    }

    public String stateConfigMap() {
        return cluster + "-state";
    }

    public String requestConfigMap() {
        return cluster + "-request";
    }

    public String sentinelLease() {
        return cluster + "-sentinel";
    }

    public String primaryLease() {
        return cluster + "-primary";
    }

    public String keeperLeasePrefix() {
        return cluster + "-keeper-";
    }

    public String keeperLease(String keeper) {
        return keeperLeasePrefix() + checkKeeperName(keeper);
    }

    public String secret() {
        return cluster + "-secret";
    }

    /** The replication slot a primary keeps for a standby: slot names allow only [a-z0-9_]. */
    public static String replicationSlot(String keeper) {
        return "pgpilot_" + checkKeeperName(keeper).replace('-', '_');
    }

    public Map<String, String> labels(String component) {
        return Map.of(LABEL_CLUSTER, cluster, LABEL_COMPONENT, component, "app.kubernetes.io/name", "pgpilot");
    }
}

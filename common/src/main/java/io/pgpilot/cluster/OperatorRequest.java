package io.pgpilot.cluster;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.UUID;

/**
 * A request from an operator ({@code pgpilot switchover}, {@code failover}, {@code recover --adopt}) to the
 * active sentinel, kept in the {@code C-request} ConfigMap. The CLI writes it pending; the sentinel answers by
 * setting the status and a message, so the CLI can tell the user what happened and why.
 *
 * @param id      distinguishes this request from earlier ones
 * @param action  {@code switchover} (planned, zero loss, the primary is healthy), {@code failover} (promote a
 *                standby because the primary is not usable) or {@code adopt} (C-state is lost: rebuild the
 *                cluster around the target's data)
 * @param target  the standby to promote or the member to adopt; null for the best one (not for adopt)
 * @param status  {@code pending}, {@code done} or {@code refused}
 * @param message the sentinel's answer
 * @param force   adopt even when another member has more WAL, which is then lost
 */
public record OperatorRequest(String id, String action, String target, String status, String message, boolean force) {

    public static final String SWITCHOVER = "switchover";
    public static final String FAILOVER = "failover";
    public static final String ADOPT = "adopt";
    public static final String PENDING = "pending";
    public static final String DONE = "done";
    public static final String REFUSED = "refused";

    public static OperatorRequest pending(String action, String target) {
        if (!SWITCHOVER.equals(action) && !FAILOVER.equals(action)) {
            throw new IllegalArgumentException("action '" + action + "' is not one of switchover, failover");
        }
        return new OperatorRequest(UUID.randomUUID().toString(), action, target, PENDING, null, false);
    }

    /** Rebuild a cluster whose C-state is lost around {@code member}'s data; {@code force} even if another member has more WAL. */
    public static OperatorRequest adopt(String member, boolean force) {
        return new OperatorRequest(UUID.randomUUID().toString(), ADOPT, ObjectNames.checkKeeperName(member), PENDING, null, force);
    }

    @JsonIgnore
    public boolean isPending() {
        return PENDING.equals(status);
    }

    public OperatorRequest answered(String newStatus, String why) {
        return new OperatorRequest(id, action, target, newStatus, why, force);
    }

    public static OperatorRequest fromJson(String json) {
        return ClusterJson.readWritten(json, OperatorRequest.class);
    }

    public String toJson() {
        return ClusterJson.writePretty(this);
    }
}

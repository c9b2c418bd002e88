package io.pgpilot.cluster;

/**
 * What the sentinel decided for one keeper.
 *
 * @param role     the role the keeper must converge to
 * @param upstream for a standby, the keeper it streams from (null for the primary)
 * @param reinit   a recorded decision that this keeper may throw its data directory away and clone afresh;
 *                 without it a keeper never deletes data (safety invariant 6)
 */
public record MemberPlan(Role role, String upstream, boolean reinit) {

    public static MemberPlan primary() {
        return new MemberPlan(Role.PRIMARY, null, false);
    }

    public static MemberPlan standbyOf(String upstream) {
        return new MemberPlan(Role.STANDBY, upstream, false);
    }

    public MemberPlan withReinit() {
        return new MemberPlan(role, upstream, true);
    }
}

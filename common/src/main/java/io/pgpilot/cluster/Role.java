package io.pgpilot.cluster;

/** The role the sentinel wants a member to have. */
public enum Role {
    PRIMARY,
    STANDBY
}

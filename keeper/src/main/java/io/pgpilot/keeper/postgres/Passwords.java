package io.pgpilot.keeper.postgres;

/**
 * The superuser's and the replication user's passwords, read from files or the environment (Kubernetes
 * Secrets). {@link #toString()} hides them, so a record logged by mistake leaks nothing.
 */
public record Passwords(String superuser, String replication) {

    @Override
    public String toString() {
        return "Passwords[hidden]";
    }
}

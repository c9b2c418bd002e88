package io.pgpilot.cluster;

/** Where a member's PostgreSQL listens, as the other members reach it. */
public record Endpoint(String host, int port) {

    @Override
    public String toString() {
        return host + ":" + port;
    }
}

package io.pgpilot.proxy.routing;

/**
 * A PostgreSQL server the proxy can send clients to: the keeper that runs it and the address it advertises
 * in its status. Two backends are the same only if all three agree, so a keeper that moves to another
 * address is a new backend and connections to the old address are not kept by accident.
 */
public record Backend(String keeper, String host, int port) {

    @Override
    public String toString() {
        return keeper + " at " + host + ":" + port;
    }
}

package io.pgpilot.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which server issued which cancel key. PostgreSQL hands every session a key (process id and secret) in
 * BackendKeyData; a client cancels by sending it on a new connection, to the same address it connected
 * to, which here is the proxy. The proxy learns each key as the server sends it and forgets it when the
 * session ends, so a cancel reaches the server that runs the query, whichever standby that is.
 */
public final class CancelKeys {

    private final Map<String, InetSocketAddress> servers = new ConcurrentHashMap<>();

    /** The key as it appears on the wire after the process id: a secret of 4 bytes (protocol 3.0) or more (3.2). */
    static String key(int pid, ByteBuf secret, int index, int length) {
        return pid + ":" + ByteBufUtil.hexDump(secret, index, length);
    }

    void learn(String key, InetSocketAddress server) {
        servers.put(key, server);
    }

    void forget(String key) {
        servers.remove(key);
    }

    InetSocketAddress serverFor(String key) {
        return servers.get(key);
    }

    public int size() {
        return servers.size();
    }
}

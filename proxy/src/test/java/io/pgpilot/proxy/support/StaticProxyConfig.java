package io.pgpilot.proxy.support;

import io.pgpilot.proxy.ProxyConfig;
import io.pgpilot.proxy.net.ListenerOptions;
import io.pgpilot.proxy.routing.Backend;

/** A proxy in static-backend mode on 127.0.0.1 with short timeouts (1 s wait and startup, 2 s connect), no HTTP. */
public final class StaticProxyConfig {

    private StaticProxyConfig() {
    }

    public static ProxyConfig of(int pgPort, int rwPort, int ioThreads, String transport) {
        return new ProxyConfig(new ListenerOptions("127.0.0.1", rwPort, 0, 1000, 1000, 2000, ioThreads, transport), "127.0.0.1", 0, false, null,
                new Backend("static", "127.0.0.1", pgPort));
    }
}

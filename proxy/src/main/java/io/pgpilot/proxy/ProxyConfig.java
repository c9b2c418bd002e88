package io.pgpilot.proxy;

import io.pgpilot.config.KubeAccess;
import io.pgpilot.config.Settings;
import io.pgpilot.proxy.net.ListenerOptions;
import io.pgpilot.proxy.routing.Backend;
import java.util.Set;

/**
 * The proxy's settings, from flags or PGPILOT_* environment variables.
 *
 * @param listeners           the two listeners' settings
 * @param httpHost            where /health and /metrics listen (the listen host)
 * @param httpPort            where /health and /metrics listen; 0 = no HTTP server
 * @param roFallbackToPrimary send ro clients to the primary when no standby is healthy
 * @param kube                how to reach the cluster; null with a static backend
 * @param staticBackend       bench/test aid: route both ports to this one server, without any cluster
 */
public record ProxyConfig(ListenerOptions listeners, String httpHost, int httpPort, boolean roFallbackToPrimary, KubeAccess kube,
                          Backend staticBackend) {

    static final Set<String> SWITCHES = Set.of("ro-fallback-to-primary");

    /** @throws Settings.BadSettingsException listing every problem */
    public static ProxyConfig from(Settings settings) {
        String listenHost = settings.string("listen-host", "0.0.0.0");
        int rwPort = settings.port("rw-port", 5432);
        int roPort = settings.port("ro-port", 5433);
        int httpPort = settings.port("http-port", 8009);
        long primaryWaitMs = settings.millis("primary-wait-ms", 5000, 0);
        long startupTimeoutMs = settings.millis("startup-timeout-ms", 10_000, 100);
        int connectTimeoutMs = settings.integer("connect-timeout-ms", 5000, 100, 600_000);
        int ioThreads = settings.integer("io-threads", 0, 0, 256);
        String transport = settings.string("transport", "auto");
        if (!ListenerOptions.TRANSPORTS.contains(transport)) {
            settings.problem("--transport is '" + transport + "': choose one of " + String.join(", ", ListenerOptions.TRANSPORTS));
        }
        boolean fallback = settings.flag("ro-fallback-to-primary");
        String fixed = settings.string("static-backend", null);
        Backend staticBackend = null;
        KubeAccess kube = null;
        if (fixed != null) {
            staticBackend = parseBackend(fixed, settings);
            // Read so they are not reported as unknown when given together; they are not used.
            settings.string("cluster", null);
            settings.string("namespace", null);
            settings.string("kubeconfig", null);
        } else {
            kube = KubeAccess.from(settings);
        }
        if (rwPort != 0 && rwPort == roPort) {
            settings.problem("--rw-port and --ro-port are both " + rwPort + ": give the read-only listener its own port");
        }
        settings.finish();
        return new ProxyConfig(new ListenerOptions(listenHost, rwPort, roPort, primaryWaitMs, startupTimeoutMs, connectTimeoutMs, ioThreads, transport),
                listenHost, httpPort, fallback, kube, staticBackend);
    }

    private static Backend parseBackend(String value, Settings settings) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            settings.problem("--static-backend is '" + value + "': give HOST:PORT of a PostgreSQL server");
            return null;
        }
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return new Backend("static", value.substring(0, colon), port);
        } catch (NumberFormatException e) {
            settings.problem("--static-backend is '" + value + "': the port must be a number between 1 and 65535");
            return null;
        }
    }
}

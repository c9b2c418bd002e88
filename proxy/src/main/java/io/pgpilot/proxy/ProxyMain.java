package io.pgpilot.proxy;

import io.pgpilot.config.Settings;
import io.pgpilot.store.ClusterStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy process. Flags (or PGPILOT_* variables): --cluster --namespace --kubeconfig --listen-host
 * (0.0.0.0) --rw-port (5432) --ro-port (5433) --http-port (8009; 0 = none) --primary-wait-ms (5000)
 * --ro-fallback-to-primary, and --startup-timeout-ms (10000) --connect-timeout-ms (5000) --io-threads
 * (0 = one per core) --transport (auto, epoll or nio). --static-backend HOST:PORT is a bench/test aid: no cluster, no fencing.
 */
public final class ProxyMain {

    private static final Logger log = LoggerFactory.getLogger(ProxyMain.class);

    private ProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        ProxyConfig config;
        try {
            config = ProxyConfig.from(Settings.parse("proxy", args, System.getenv(), ProxyConfig.SWITCHES));
        } catch (Settings.BadSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Proxy proxy;
        try {
            if (config.staticBackend() != null) {
                proxy = Proxy.startStatic(config);
            } else {
                // Requests are bounded well below any sane renew interval: a hung read must not hold the view.
                ClusterStore store = config.kube().store(Duration.ofSeconds(2));
                proxy = Proxy.start(config, store);
            }
        } catch (IllegalStateException e) {
            // A port in use, a transport this machine cannot run: the message says what to change.
            System.err.println("proxy cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping: closing the listeners and every client connection");
            proxy.close();
            stopped.countDown();
        }, "proxy-shutdown"));
        stopped.await();
    }
}

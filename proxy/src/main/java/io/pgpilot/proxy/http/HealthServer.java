package io.pgpilot.proxy.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.proxy.metrics.ProxyMetrics;
import io.pgpilot.proxy.net.Switchboard;
import io.pgpilot.proxy.routing.Backend;
import io.pgpilot.proxy.routing.RoutingTable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /health}: 200 while the proxy runs, with where it routes and why (a proxy without a primary
 * is still healthy: restarting it would not bring the primary back). {@code GET /metrics}: Prometheus text.
 */
public final class HealthServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    public HealthServer(String host, int port, Switchboard switchboard, ProxyMetrics metrics, String transport) throws IOException {
        server = HttpServer.create(new InetSocketAddress(host, port), 64);
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "proxy-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> {
            RoutingTable table = switchboard.table();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "up");
            body.put("transport", transport);
            body.put("rw", table.primary() == null ? null : describe(table.primary().backend(), table.primary().epoch()));
            body.put("rwReason", table.rwReason());
            body.put("readers", table.readers().stream().map(b -> describe(b, null)).toList());
            body.put("roReason", table.roReason());
            body.put("connections", switchboard.openLinks());
            respond(exchange, 200, "application/json", ClusterJson.write(body));
        });
        server.createContext("/metrics", exchange -> respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.start();
    }

    private static Map<String, Object> describe(Backend backend, Long epoch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("keeper", backend.keeper());
        m.put("address", backend.host() + ":" + backend.port());
        if (epoch != null) {
            m.put("epoch", epoch);
        }
        return m;
    }

    private static void respond(HttpExchange exchange, int status, String type, String text) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

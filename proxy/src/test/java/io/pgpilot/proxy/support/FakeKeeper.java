package io.pgpilot.proxy.support;

import com.sun.net.httpserver.HttpServer;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.cluster.MemberState;
import io.pgpilot.cluster.PostgresRole;
import io.pgpilot.cluster.PrimaryLease;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import io.pgpilot.store.Write;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for a keeper in front of a real PostgreSQL: publishes its status Lease, renews the primary
 * Lease while it holds it, and answers {@code GET /lease} like the keeper contract says (200 with
 * holder=true while it holds the lease and confirms; 503 otherwise).
 */
public final class FakeKeeper implements AutoCloseable {

    private final String name;
    private final PostgresServer pg;
    private final ClusterStore store;
    private final HttpServer http;
    private final ScheduledExecutorService heartbeat;
    private volatile PostgresRole role = PostgresRole.STANDBY;
    private volatile boolean confirming = true;
    private volatile boolean renewing;
    private String statusVersion;

    public FakeKeeper(String name, PostgresServer pg, ClusterStore store) throws IOException {
        this.name = name;
        this.pg = pg;
        this.store = store;
        this.http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        http.createContext("/lease", exchange -> {
            PrimaryLease lease = lastSeenLease;
            boolean holder = role == PostgresRole.PRIMARY && lease != null && lease.isHeldBy(name);
            boolean ok = holder && confirming;
            byte[] body = ("{\"keeper\":\"" + name + "\",\"holder\":" + holder + ",\"epoch\":" + (lease == null ? 0 : lease.epoch())
                    + ",\"fenced\":" + !ok + ",\"msSinceRenewal\":0}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(ok ? 200 : 503, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fake-keeper-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    private volatile PrimaryLease lastSeenLease;
    private volatile int advertisedPort;

    /** Advertises another PostgreSQL port than its server's (0: the server's own), e.g. one nothing listens on. */
    public void advertisePort(int port) {
        advertisedPort = port;
    }

    public String name() {
        return name;
    }

    public int httpPort() {
        return http.getAddress().getPort();
    }

    public KeeperStatus status() {
        int port = advertisedPort > 0 ? advertisedPort : pg.port();
        KeeperStatus.Builder b = KeeperStatus.starting(name, "127.0.0.1", port, httpPort()).toBuilder().role(role).healthy(true);
        return role == PostgresRole.PRIMARY ? b.state(MemberState.RUNNING).build() : b.state(MemberState.STREAMING).upstream("k1").build();
    }

    /** Publishes the status once, now. */
    public synchronized void publish(PostgresRole newRole) {
        role = newRole;
        Write<KeeperStatus> w = store.publishKeeperStatus(status(), statusVersion);
        statusVersion = w instanceof Write.Written<KeeperStatus> written ? written.resourceVersion() : null;
    }

    /** Publishes the status and, while it holds the primary Lease and {@link #renew} is on, renews it, every interval. */
    public void startHeartbeat(long intervalMs) {
        heartbeat.scheduleWithFixedDelay(this::beat, 0, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            publish(role);
            Read<PrimaryLease> read = store.readPrimaryLease();
            if (read instanceof Read.Found<PrimaryLease> found) {
                lastSeenLease = found.value();
                if (renewing && found.value().isHeldBy(name)) {
                    Write<PrimaryLease> w = store.renewPrimaryLease(found.value(), name);
                    if (w instanceof Write.Written<PrimaryLease> written) {
                        lastSeenLease = written.value();
                    }
                }
            }
        } catch (RuntimeException e) {
            // The API server is stalled or gone: a real keeper would retry on its next beat too.
        }
    }

    public void renew(boolean on) {
        renewing = on;
    }

    /** Whether GET /lease confirms (200) while holding the lease; false makes it answer 503, like a fenced keeper. */
    public void confirm(boolean on) {
        confirming = on;
    }

    /** Lets the /lease endpoint know the lease without waiting for a beat. */
    public void sawLease(PrimaryLease lease) {
        lastSeenLease = lease;
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        http.stop(0);
    }
}

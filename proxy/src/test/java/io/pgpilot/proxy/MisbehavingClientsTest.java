package io.pgpilot.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.pgpilot.proxy.support.PgClient;
import io.pgpilot.proxy.support.PostgresServer;
import io.pgpilot.proxy.support.StaticProxyConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients that do not behave must not affect the others: each test keeps a well-behaved client querying
 * through the same proxy while the misbehaving one does its thing. Uses the static-backend mode (no
 * cluster): what is tested here is the network layer, the same code in both modes.
 */
class MisbehavingClientsTest {

    static Path base;
    static PostgresServer pg;
    static Proxy proxy;

    @BeforeAll
    static void start() throws Exception {
        base = PostgresServer.baseDir("misbehaving");
        pg = PostgresServer.start(base, "pg");
        proxy = Proxy.startStatic(StaticProxyConfig.of(pg.port(), 0, 2, "auto"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (pg != null) {
            pg.close();
        }
        PostgresServer.removeAll(base);
    }

    /** A client that keeps querying until stopped; counts its answers and fails on the first problem. */
    static final class Bystander implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger answers = new AtomicInteger();
        final AtomicLong slowestMs = new AtomicLong();
        final CompletableFuture<Void> done;

        Bystander() throws Exception {
            PgClient client = PgClient.connect(proxy.rwPort());
            done = CompletableFuture.runAsync(() -> {
                try (client) {
                    while (running.get()) {
                        long t = System.nanoTime();
                        if (!"1".equals(client.query("select 1"))) {
                            throw new AssertionError("wrong answer");
                        }
                        slowestMs.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                        answers.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            done.get();
        }
    }

    @Test
    void garbageBytesAreClosedWithoutAffectingOthers() throws Exception {
        try (Bystander bystander = new Bystander()) {
            for (int i = 0; i < 20; i++) {
                try (Socket s = new Socket("127.0.0.1", proxy.rwPort())) {
                    byte[] junk = new byte[4096];
                    new Random(i).nextBytes(junk);
                    OutputStream out = s.getOutputStream();
                    out.write(i % 2 == 0 ? "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII) : junk);
                    out.flush();
                    s.setSoTimeout(5000);
                    assertThat(s.getInputStream().read()).as("the proxy hangs up on garbage").isEqualTo(-1);
                } catch (java.net.SocketException reset) {
                    // Closed with unread junk pending: a reset is a hang-up too.
                }
            }
            // A protocol-2 startup gets a proper PostgreSQL error, not just a closed socket.
            try (Socket s = new Socket("127.0.0.1", proxy.roPort())) {
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeInt(8);
                out.writeInt(2 << 16);
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertThat(in.readUnsignedByte()).isEqualTo('E');
                byte[] body = new byte[in.readInt() - 4];
                in.readFully(body);
                assertThat(new String(body, StandardCharsets.UTF_8)).contains("unsupported frontend protocol 2.0");
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> bystander.answers.get() > 50);
        }
    }

    @Test
    void aSilentClientIsClosedAtTheStartupTimeoutWithoutAffectingOthers() throws Exception {
        try (Bystander bystander = new Bystander(); Socket silent = new Socket("127.0.0.1", proxy.rwPort())) {
            long t = System.nanoTime();
            silent.setSoTimeout(10_000);
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
            long ms = (System.nanoTime() - t) / 1_000_000;
            assertThat(ms).as("closed at the 1 s startup timeout").isBetween(800L, 3000L);
            assertThat(bystander.answers.get()).isGreaterThan(10);
        }
    }

    @Test
    void sslAndGssEncryptionRequestsAreDeclinedAndTheClientGoesOnInPlainText() throws Exception {
        try (Socket s = new Socket("127.0.0.1", proxy.rwPort())) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeInt(8);
            out.writeInt(80877104);   // GSSENCRequest
            out.flush();
            assertThat(in.readUnsignedByte()).isEqualTo('N');
            out.writeInt(8);
            out.writeInt(80877103);   // SSLRequest
            out.flush();
            assertThat(in.readUnsignedByte()).isEqualTo('N');
            byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
            out.writeInt(8 + params.length);
            out.writeInt(3 << 16);
            out.write(params);
            out.flush();
            assertThat(in.readUnsignedByte()).as("AuthenticationOk from the server").isEqualTo('R');
        }
    }

    @Test
    void aClientThatNeverReadsDoesNotGrowTheProxysMemoryOrSlowOthers() throws Exception {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        long directBefore = ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory();
        try (Bystander bystander = new Bystander(); PgClient stuck = PgClient.connect(proxy.rwPort())) {
            // About 2 GB of result; the client reads none of it.
            stuck.send("select repeat('x', 8192) from generate_series(1, 250000)");
            // PostgreSQL ends up blocked writing to the proxy: the backpressure reached the server.
            await().atMost(Duration.ofSeconds(30)).until(() -> waitEvent(stuck.pid()).equals("ClientWrite"));
            int answersBefore = bystander.answers.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> bystander.answers.get() > answersBefore + 50);
            assertThat(proxy.switchboard().maxBufferedBytes()).as("bytes held for the stuck client").isLessThan(512 * 1024);
            long directNow = ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory();
            assertThat(directNow - directBefore).as("direct memory grown").isLessThan(16L * 1024 * 1024);
            assertThat(bystander.slowestMs.get()).isLessThan(1000);
        }
        // Closing the stuck client ends its server session too.
        await().atMost(Duration.ofSeconds(10)).until(() -> waitEvent(-1).equals("gone"));
    }

    /** The wait event of the session with {@code pid} ("gone" when there is none; pid -1: the stuck query's session). */
    private static String waitEvent(int pid) throws Exception {
        try (Connection c = pg.connectDirect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(pid > 0
                     ? "select coalesce(wait_event, 'none') from pg_stat_activity where pid = " + pid
                     : "select coalesce(wait_event, 'none') from pg_stat_activity where query like 'select repeat%' and pid <> pg_backend_pid()")) {
            return rs.next() ? rs.getString(1) : "gone";
        }
    }
}

package io.pgpilot.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.pgpilot.proxy.metrics.ProxyMetrics;
import io.pgpilot.proxy.routing.Backend;
import io.pgpilot.proxy.routing.LeastConnections;
import io.pgpilot.proxy.routing.Listener;
import io.pgpilot.proxy.routing.Primary;
import io.pgpilot.proxy.routing.Route;
import io.pgpilot.proxy.routing.RoutingTable;
import io.pgpilot.time.MonotonicClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current routing table and every open client-to-backend link. Applying a new table closes, at once,
 * every link the table no longer allows (both sides, without flushing: a fenced primary must not get one
 * more byte from a client) and hands the primary to clients that were waiting for one.
 */
public final class Switchboard {

    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);

    /** One client connection and the backend connection it was joined to. */
    record Link(Route route, Channel client, Channel backend) {
    }

    private final ProxyMetrics metrics;
    private final MonotonicClock clock;
    private final Map<Channel, Link> links = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();
    private volatile RoutingTable table = RoutingTable.empty("the proxy has not read the cluster yet");
    private volatile long lastPrimaryChangeNanos;

    public Switchboard(ProxyMetrics metrics, MonotonicClock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    public RoutingTable table() {
        return table;
    }

    /** When (on the proxy's clock) the last table that changed the rw backend was applied. */
    public long lastPrimaryChangeNanos() {
        return lastPrimaryChangeNanos;
    }

    public synchronized void apply(RoutingTable next) {
        RoutingTable before = table;
        table = next;
        boolean rwChanged = !Objects.equals(before.primary() == null ? null : List.of(before.primary().backend(), before.primary().epoch()),
                next.primary() == null ? null : List.of(next.primary().backend(), next.primary().epoch()));
        if (rwChanged) {
            lastPrimaryChangeNanos = clock.nanos();
            metrics.switched();
        }
        int closed = 0;
        for (Link link : links.values()) {
            if (!next.allows(link.route())) {
                links.remove(link.client());
                link.client().close();
                link.backend().close();
                closed++;
            }
        }
        if (closed > 0) {
            metrics.fenced(closed);
        }
        if (rwChanged) {
            log.info("rw: {}{}", next.primary() == null ? "no valid primary: " : "routing to " + next.primary().backend() + ": ", next.rwReason()
                    + (closed > 0 ? "; closed " + closed + " connection(s) no longer allowed" : ""));
        } else if (closed > 0) {
            log.info("closed {} connection(s) no longer allowed: rw {}; ro {}", closed, next.rwReason(), next.roReason());
        }
        if (!before.readers().equals(next.readers())) {
            log.info("ro: routing to {}: {}", next.readers().isEmpty() ? "nothing" : next.readers(), next.roReason());
        }
        if (next.primary() != null) {
            Waiter waiter;
            while ((waiter = waiters.poll()) != null) {
                waiter.hand(next.primary());
            }
        }
    }

    /**
     * Calls {@code onPrimary} on {@code loop} with the valid primary, at once if there is one, else as soon
     * as one appears; {@code onTimeout} after {@code waitMs} without one. Exactly one of them runs.
     */
    public void awaitPrimary(EventLoop loop, long waitMs, Consumer<Primary> onPrimary, Runnable onTimeout) {
        Primary now = table.primary();
        if (now != null) {
            onPrimary.accept(now);
            return;
        }
        long started = clock.nanos();
        Waiter waiter = new Waiter(loop, primary -> {
            metrics.waitedForPrimary(Duration.ofNanos(clock.nanos() - started), true);
            onPrimary.accept(primary);
        });
        waiters.add(waiter);
        waiter.timeout = loop.schedule(() -> {
            if (waiter.done.compareAndSet(false, true)) {
                waiters.remove(waiter);
                metrics.waitedForPrimary(Duration.ofNanos(clock.nanos() - started), false);
                onTimeout.run();
            }
        }, waitMs, TimeUnit.MILLISECONDS);
        // A table applied between the check above and the add would not have seen this waiter.
        Primary raced = table.primary();
        if (raced != null && waiters.remove(waiter)) {
            waiter.hand(raced);
        }
    }

    private static final class Waiter {
        final EventLoop loop;
        final Consumer<Primary> onPrimary;
        final AtomicBoolean done = new AtomicBoolean();
        volatile io.netty.util.concurrent.ScheduledFuture<?> timeout;

        Waiter(EventLoop loop, Consumer<Primary> onPrimary) {
            this.loop = loop;
            this.onPrimary = onPrimary;
        }

        void hand(Primary primary) {
            if (done.compareAndSet(false, true)) {
                var t = timeout;
                if (t != null) {
                    t.cancel(false);
                }
                loop.execute(() -> onPrimary.accept(primary));
            }
        }
    }

    /** The reader with the fewest open ro connections, counted as taken at once; null when there is none. */
    public synchronized Backend takeReader() {
        List<Backend> readers = table.readers();
        Map<Backend, Integer> open = new HashMap<>();
        for (Backend reader : readers) {
            open.put(reader, metrics.active(Listener.RO, reader).get());
        }
        Backend chosen = LeastConnections.choose(readers, open);
        if (chosen != null) {
            metrics.active(Listener.RO, chosen).incrementAndGet();
        }
        return chosen;
    }

    /** Counts an rw connection about to be opened, so the counts include connections still connecting. */
    public void take(Route route) {
        if (route.listener() == Listener.RW) {
            metrics.active(Listener.RW, route.backend()).incrementAndGet();
        }
    }

    /** Undoes {@link #take}/{@link #takeReader} for a connection that never got established. */
    public void release(Route route) {
        metrics.active(route.listener(), route.backend()).decrementAndGet();
    }

    /**
     * Records an established link, counted already by {@link #take}/{@link #takeReader}; released when
     * the client's channel closes.
     *
     * @return false (and the link is not kept) when the current table no longer allows the route: the
     *         backend changed while the connection was being made
     */
    public boolean join(Route route, Channel client, Channel backend) {
        Link link = new Link(route, client, backend);
        links.put(client, link);
        client.closeFuture().addListener(f -> {
            links.remove(client);
            release(route);
        });
        // Checked after the put: a table applied meanwhile either saw this link or is seen here.
        if (!table.allows(route)) {
            links.remove(client);
            return false;
        }
        return true;
    }

    /** The most bytes any one open connection holds in the proxy, waiting to be written to its peer. */
    public long maxBufferedBytes() {
        long max = 0;
        for (Link link : links.values()) {
            max = Math.max(max, Math.max(buffered(link.client()), buffered(link.backend())));
        }
        return max;
    }

    private static long buffered(Channel channel) {
        var buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    public int openLinks() {
        return links.size();
    }
}

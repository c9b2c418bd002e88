package io.pgpilot.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.pgpilot.proxy.metrics.ProxyMetrics;
import io.pgpilot.proxy.routing.Listener;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two listeners and the event loops behind them. A client connection and its backend connection
 * share one event loop, so forwarding between them never crosses threads.
 */
public final class ProxyServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    /**
     * Per-connection buffering bound: past the high mark the other side stops reading. 64 KiB covers a
     * few result batches; a client that does not read costs at most this plus one read buffer.
     */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    private static final int KEEPALIVE_IDLE_S = 60;
    private static final int KEEPALIVE_INTERVAL_S = 10;
    private static final int KEEPALIVE_PROBES = 6;

    private final ListenerOptions options;
    private final Switchboard switchboard;
    private final CancelKeys cancelKeys = new CancelKeys();
    private final ProxyMetrics metrics;
    private Transport transport;
    private EventLoopGroup group;
    private Channel rw;
    private Channel ro;

    public ProxyServer(ListenerOptions options, Switchboard switchboard, ProxyMetrics metrics) {
        this.options = options;
        this.switchboard = switchboard;
        this.metrics = metrics;
    }

    public void start() throws InterruptedException {
        // One loop per core, as HAProxy does. One loop on two cores used 10-20% less CPU per transaction but
        // came out slower than two: a single loop descheduled stalls every connection (docs/benchmarks.md).
        int threads = options.ioThreads() > 0 ? options.ioThreads() : Runtime.getRuntime().availableProcessors();
        Transport.Choice choice = Transport.choose(options.transport());
        transport = choice.transport();
        group = transport.group(threads);
        try {
            rw = bind(Listener.RW, options.rwPort());
            ro = bind(Listener.RO, options.roPort());
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        log.info("listening: rw on {}, ro on {} ({} transport{}, {} event loop threads)", rw.localAddress(), ro.localAddress(),
                transport.name(), choice.fallbackReason() == null ? "" : "; " + choice.fallbackReason(), threads);
    }

    private Channel bind(Listener listener, int port) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        keepaliveTimings(ch);
                        ch.pipeline().addLast("startup", new Frontend(listener, ProxyServer.this));
                    }
                });
        try {
            return bootstrap.bind(new InetSocketAddress(options.listenHost(), port)).sync().channel();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Netty rethrows the bind failure as it came (a checked IOException from the native transport).
            throw new IllegalStateException("cannot listen for " + listener.label() + " on " + options.listenHost() + ":" + port + ": "
                    + e.getMessage() + "; choose another --" + listener.label() + "-port or stop what uses it", e);
        }
    }

    /** Detects a dead peer in about two minutes instead of the kernel default of over two hours. */
    private void keepaliveTimings(Channel ch) {
        if (transport.setsKeepaliveTimings()) {
            ch.config().setOption(transport.keepIdle(), KEEPALIVE_IDLE_S);
            ch.config().setOption(transport.keepInterval(), KEEPALIVE_INTERVAL_S);
            ch.config().setOption(transport.keepCount(), KEEPALIVE_PROBES);
        }
    }

    /** A bootstrap for a backend connection on the client's own event loop. */
    Bootstrap backendBootstrap(EventLoop loop) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, options.connectTimeoutMs())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK);
        if (transport.setsKeepaliveTimings()) {
            bootstrap.option(transport.keepIdle(), KEEPALIVE_IDLE_S)
                    .option(transport.keepInterval(), KEEPALIVE_INTERVAL_S)
                    .option(transport.keepCount(), KEEPALIVE_PROBES);
        }
        return bootstrap;
    }

    public int rwPort() {
        return ((InetSocketAddress) rw.localAddress()).getPort();
    }

    public int roPort() {
        return ((InetSocketAddress) ro.localAddress()).getPort();
    }

    public String transportName() {
        return transport.name();
    }

    ListenerOptions options() {
        return options;
    }

    Switchboard switchboard() {
        return switchboard;
    }

    public CancelKeys cancelKeys() {
        return cancelKeys;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        if (rw != null) {
            rw.close();
        }
        if (ro != null) {
            ro.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

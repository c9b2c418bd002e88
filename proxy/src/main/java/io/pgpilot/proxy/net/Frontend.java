package io.pgpilot.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgpilot.proxy.routing.Backend;
import io.pgpilot.proxy.routing.Listener;
import io.pgpilot.proxy.routing.Primary;
import io.pgpilot.proxy.routing.Route;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of every client connection: reads the untyped first packet(s), answers SSLRequest and
 * GSSENCRequest with 'N' (the proxy does not terminate TLS, and passing TLS through would hide the
 * BackendKeyData it needs for cancels), forwards a CancelRequest to the server that issued the key, and
 * for a StartupMessage picks a backend, connects, replays the packet and hands the connection over to a
 * {@link Relay} in each direction.
 *
 * <p>Anything else (bytes that are not a startup packet, a client silent past the startup timeout) is
 * closed without touching any other connection: each connection is its own channel.
 */
final class Frontend extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(Frontend.class);
    /** Pause before routing a read-write client again after its primary refused the connection. */
    private static final long RW_RETRY_MS = 25;

    private enum Phase { NEGOTIATING, ROUTING, DONE }

    private final Listener listener;
    private final ProxyServer server;
    private ByteBuf buffer;
    private Phase phase = Phase.NEGOTIATING;
    private boolean sslAnswered;
    private boolean gssAnswered;
    private ScheduledFuture<?> startupTimer;
    private long routingStartedNanos;

    Frontend(Listener listener, ProxyServer server) {
        this.listener = listener;
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        buffer = ctx.alloc().heapBuffer(256);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        buffer.release();
        if (startupTimer != null) {
            startupTimer.cancel(false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startupTimer = ctx.executor().schedule(() -> {
            if (phase == Phase.NEGOTIATING && ctx.channel().isActive()) {
                server.metrics().rejected("startup-timeout");
                log.debug("{}: closing {}: no startup packet within {} ms", listener.label(), ctx.channel().remoteAddress(),
                        server.options().startupTimeoutMs());
                ctx.close();
            }
        }, server.options().startupTimeoutMs(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (phase == Phase.DONE || !(msg instanceof ByteBuf in)) {
                return;
            }
            if (buffer.readableBytes() + in.readableBytes() > PgWire.MAX_STARTUP_PACKET + 64 * 1024) {
                // A client pipelining more than this before it is even connected is not a PostgreSQL client.
                reject(ctx, "flooding", null);
                return;
            }
            buffer.writeBytes(in);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (phase == Phase.NEGOTIATING) {
            negotiate(ctx);
        }
    }

    private void negotiate(ChannelHandlerContext ctx) {
        while (phase == Phase.NEGOTIATING && buffer.readableBytes() >= 4) {
            int length = buffer.getInt(buffer.readerIndex());
            if (length < 8 || length > PgWire.MAX_STARTUP_PACKET) {
                reject(ctx, "malformed-startup", null);
                return;
            }
            if (buffer.readableBytes() < length) {
                return;
            }
            int code = buffer.getInt(buffer.readerIndex() + 4);
            if (code == PgWire.SSL_REQUEST && length == 8 && !sslAnswered) {
                sslAnswered = true;
                buffer.skipBytes(8);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            } else if (code == PgWire.GSSENC_REQUEST && length == 8 && !gssAnswered) {
                gssAnswered = true;
                buffer.skipBytes(8);
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
            } else if (code == PgWire.CANCEL_REQUEST && length >= 16) {
                phase = Phase.DONE;
                ByteBuf packet = buffer.readBytes(length);
                cancel(ctx, packet);
            } else if (code >>> 16 == PgWire.PROTOCOL_MAJOR_3) {
                phase = Phase.ROUTING;
                startupTimer.cancel(false);
                ctx.channel().config().setAutoRead(false);
                routingStartedNanos = System.nanoTime();
                route(ctx);
            } else {
                reject(ctx, "unsupported-protocol", "unsupported frontend protocol " + (code >>> 16) + "." + (code & 0xffff)
                        + ": the pgpilot proxy speaks protocol 3");
                return;
            }
        }
    }

    private void reject(ChannelHandlerContext ctx, String reason, String message) {
        phase = Phase.DONE;
        server.metrics().rejected(reason);
        log.debug("{}: closing {}: {}", listener.label(), ctx.channel().remoteAddress(), reason);
        buffer.clear();
        if (message == null) {
            ctx.close();
        } else {
            ctx.writeAndFlush(PgWire.fatal(ctx.alloc(), PgWire.PROTOCOL_VIOLATION, message)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void refuse(ChannelHandlerContext ctx, String reason, String sqlState, String message) {
        phase = Phase.DONE;
        server.metrics().rejected(reason);
        log.info("{}: refusing client {}: {}", listener.label(), ctx.channel().remoteAddress(), message);
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(PgWire.fatal(ctx.alloc(), sqlState, "pgpilot proxy: " + message)).addListener(ChannelFutureListener.CLOSE);
        }
    }

    // ---- routing a new session -----------------------------------------------------------------------

    private void route(ChannelHandlerContext ctx) {
        Switchboard board = server.switchboard();
        if (listener == Listener.RO) {
            Backend reader = board.takeReader();
            if (reader == null) {
                refuse(ctx, "no-reader", PgWire.CANNOT_CONNECT_NOW, "no standby is available for reads: " + board.table().roReason());
                return;
            }
            connect(ctx, Route.ro(reader));
            return;
        }
        long waitedMs = (System.nanoTime() - routingStartedNanos) / 1_000_000;
        long leftMs = server.options().primaryWaitMs() - waitedMs;
        if (leftMs <= 0) {
            refuse(ctx, "no-primary", PgWire.CANNOT_CONNECT_NOW, "no primary is available after waiting " + waitedMs + " ms: "
                    + board.table().rwReason());
            return;
        }
        board.awaitPrimary(ctx.channel().eventLoop(), leftMs, primary -> connectPrimary(ctx, primary),
                () -> refuse(ctx, "no-primary", PgWire.CANNOT_CONNECT_NOW, "no primary is available after waiting "
                        + server.options().primaryWaitMs() + " ms: " + board.table().rwReason()));
    }

    private void connectPrimary(ChannelHandlerContext ctx, Primary primary) {
        Route route = Route.rw(primary);
        server.switchboard().take(route);
        connect(ctx, route);
    }

    /** Connects to the route's backend; the route is already counted and is released if this fails. */
    private void connect(ChannelHandlerContext ctx, Route route) {
        Channel client = ctx.channel();
        Switchboard board = server.switchboard();
        if (!client.isActive()) {
            board.release(route);
            return;
        }
        Backend backend = route.backend();
        InetSocketAddress address = new InetSocketAddress(backend.host(), backend.port());
        if (address.isUnresolved()) {
            board.release(route);
            refuse(ctx, "backend-unresolved", PgWire.CONNECTION_FAILURE, "cannot resolve the address of " + backend);
            return;
        }
        Bootstrap bootstrap = server.backendBootstrap(client.eventLoop()).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast("keys", new BackendKeyCatcher(server.cancelKeys(), address));
            }
        });
        bootstrap.connect(address).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                board.release(route);
                Throwable cause = f.cause();
                long waitedMs = (System.nanoTime() - routingStartedNanos) / 1_000_000;
                if (listener == Listener.RW && client.isActive() && waitedMs + RW_RETRY_MS < server.options().primaryWaitMs()) {
                    // A primary that refuses connections is usually shutting down for a handoff the proxy has not
                    // seen yet: route again shortly, and the client waits for the next primary like any other.
                    log.debug("rw: {} refused a connection ({}); routing client {} again", backend,
                            cause == null ? "unknown error" : cause.getMessage(), client.remoteAddress());
                    client.eventLoop().schedule(() -> route(ctx), RW_RETRY_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
                    return;
                }
                refuse(ctx, "backend-unreachable", PgWire.CONNECTION_FAILURE, "cannot connect to " + backend + ": "
                        + (cause == null ? "unknown error" : cause.getMessage()));
                return;
            }
            Channel backendChannel = f.channel();
            if (!client.isActive()) {
                board.release(route);
                backendChannel.close();
                return;
            }
            if (!board.join(route, client, backendChannel)) {
                board.release(route);
                backendChannel.close();
                log.info("{}: {} stopped being valid while a client was connecting to it; routing the client again",
                        listener.label(), backend);
                route(ctx);
                return;
            }
            phase = Phase.DONE;
            backendChannel.pipeline().addLast("relay", new Relay(client));
            // The startup packet and anything the client sent after it go first, in order.
            backendChannel.writeAndFlush(buffer.retainedSlice());
            buffer.skipBytes(buffer.readableBytes());
            ctx.pipeline().replace(this, "relay", new Relay(backendChannel));
            client.config().setAutoRead(true);
        });
    }

    // ---- cancel --------------------------------------------------------------------------------------

    private void cancel(ChannelHandlerContext ctx, ByteBuf packet) {
        int pid = packet.getInt(8);
        String key = CancelKeys.key(pid, packet, 12, packet.readableBytes() - 12);
        InetSocketAddress target = server.cancelKeys().serverFor(key);
        if (target == null) {
            // PostgreSQL, too, ignores an unknown key silently, so a cancel does not reveal which keys exist.
            packet.release();
            server.metrics().cancel("unknown-key");
            log.debug("{}: cancel request for process {} with an unknown key; ignored", listener.label(), pid);
            ctx.close();
            return;
        }
        server.backendBootstrap(ctx.channel().eventLoop()).handler(new ChannelInboundHandlerAdapter())
                .connect(target).addListener((ChannelFuture f) -> {
                    if (f.isSuccess()) {
                        server.metrics().cancel("forwarded");
                        log.info("{}: forwarding a cancel request for process {} to {}", listener.label(), pid, target);
                        f.channel().writeAndFlush(packet).addListener(ChannelFutureListener.CLOSE);
                    } else {
                        packet.release();
                        server.metrics().cancel("backend-unreachable");
                        log.info("{}: cannot forward a cancel request for process {} to {}: {}", listener.label(), pid, target,
                                f.cause() == null ? "unknown error" : f.cause().getMessage());
                    }
                    ctx.close();
                });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("{}: client {} failed during startup: {}", listener.label(), ctx.channel().remoteAddress(), cause.toString());
        phase = Phase.DONE;
        ctx.close();
    }
}

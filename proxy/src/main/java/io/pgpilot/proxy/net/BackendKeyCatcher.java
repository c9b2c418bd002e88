package io.pgpilot.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;

/**
 * Sits on a backend connection until the session is established, reading along (never changing) the
 * server's messages to learn its BackendKeyData, then steps out of the way. Only the messages up to
 * ReadyForQuery or an ErrorResponse are looked at; they are small (authentication, parameter status,
 * the key), so the copy kept of a split header is a few bytes.
 */
final class BackendKeyCatcher extends ChannelInboundHandlerAdapter {

    /** Startup messages are small; a server sending more than this before ReadyForQuery is not followed. */
    private static final int MAX_FOLLOWED = 1 << 20;

    private final CancelKeys keys;
    private final InetSocketAddress server;
    private ByteBuf pending;
    private int followed;

    BackendKeyCatcher(CancelKeys keys, InetSocketAddress server) {
        this.keys = keys;
        this.server = server;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        pending = ctx.alloc().heapBuffer(256);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        pending.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            followed += buf.readableBytes();
            pending.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
            boolean done = scan(ctx) || followed > MAX_FOLLOWED;
            ctx.fireChannelRead(msg);
            if (done) {
                ctx.pipeline().remove(this);
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Consumes every complete message in {@code pending}; true once the startup phase is over. */
    private boolean scan(ChannelHandlerContext ctx) {
        while (pending.readableBytes() >= 5) {
            int at = pending.readerIndex();
            byte type = pending.getByte(at);
            int length = pending.getInt(at + 1);
            if (length < 4) {
                return true;   // not a protocol we follow; pass everything through untouched
            }
            if (pending.readableBytes() < 1 + length) {
                break;
            }
            if (type == PgWire.BACKEND_KEY_DATA && length >= 12) {
                int pid = pending.getInt(at + 5);
                String key = CancelKeys.key(pid, pending, at + 9, length - 8);
                keys.learn(key, server);
                ctx.channel().closeFuture().addListener(f -> keys.forget(key));
            }
            pending.skipBytes(1 + length);
            if (type == PgWire.READY_FOR_QUERY || type == PgWire.ERROR_RESPONSE) {
                return true;
            }
        }
        pending.discardReadBytes();
        return false;
    }
}

package io.pgpilot.proxy.net;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.List;
import java.util.function.Supplier;

/**
 * The socket layer under the proxy: native epoll where its library loads, Java NIO otherwise (or when asked
 * for, which tests use to cover that path). The rest of the proxy does not care which one runs. io_uring was
 * measured too (docs/benchmarks.md): it halves the system calls but not the kernel's TCP work, which is most
 * of a relay's cost, and its transactions per second came out lower than epoll's.
 *
 * @param keepIdle     TCP_KEEPIDLE for this transport, or null when it cannot set it (NIO)
 * @param keepInterval TCP_KEEPINTVL, likewise
 * @param keepCount    TCP_KEEPCNT, likewise
 */
record Transport(String name, Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel,
                 Supplier<IoHandlerFactory> ioHandlers, ChannelOption<Integer> keepIdle, ChannelOption<Integer> keepInterval,
                 ChannelOption<Integer> keepCount) {

    static final String AUTO = "auto";
    static final List<String> NAMES = List.of(AUTO, "epoll", "nio");

    private static Transport epoll() {
        return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class, EpollIoHandler::newFactory,
                EpollChannelOption.TCP_KEEPIDLE, EpollChannelOption.TCP_KEEPINTVL, EpollChannelOption.TCP_KEEPCNT);
    }

    private static Transport nio() {
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class, NioIoHandler::newFactory, null, null, null);
    }

    /**
     * The transport asked for, or with {@code auto} the best one this machine can run.
     *
     * @throws IllegalStateException naming why a transport asked for by name cannot run here
     */
    static Choice choose(String wanted) {
        if (wanted.equals("nio")) {
            return new Choice(nio(), null);
        }
        if (Epoll.isAvailable()) {
            return new Choice(epoll(), null);
        }
        String why = "epoll unavailable: " + Epoll.unavailabilityCause();
        if (wanted.equals("epoll")) {
            throw new IllegalStateException(why + "; use --transport auto to fall back to Java NIO");
        }
        return new Choice(nio(), why);
    }

    /** The transport picked, and why epoll was passed over when it was (for the start-up log line), else null. */
    record Choice(Transport transport, String fallbackReason) {
    }

    EventLoopGroup group(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlers.get());
    }

    boolean setsKeepaliveTimings() {
        return keepIdle != null;
    }
}

package io.pgpilot.proxy.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** Native epoll on Linux when its library loads, Java NIO otherwise; the rest of the proxy does not care. */
record Transport(String name, Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {

    static Transport best() {
        if (Epoll.isAvailable()) {
            return new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class);
    }

    boolean isEpoll() {
        return "epoll".equals(name);
    }

    EventLoopGroup group(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, isEpoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Why epoll is not used, for the start-up log line. */
    static String epollUnavailableCause() {
        Throwable cause = Epoll.unavailabilityCause();
        return cause == null ? "" : cause.toString();
    }
}

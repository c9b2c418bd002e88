package io.pgpilot.proxy.net;

/**
 * How the listeners behave.
 *
 * @param listenHost       the address both ports bind to
 * @param rwPort           the read-write port (0 = any free port)
 * @param roPort           the read-only port (0 = any free port)
 * @param primaryWaitMs    how long a new rw client waits for a valid primary before it is refused
 * @param startupTimeoutMs how long a new client may take to send its startup packet
 * @param connectTimeoutMs how long connecting to a backend may take
 * @param ioThreads        event loop threads (0 = one per core)
 * @param transport        the socket layer: auto (epoll where it loads, else NIO), epoll or nio
 */
public record ListenerOptions(String listenHost, int rwPort, int roPort, long primaryWaitMs, long startupTimeoutMs,
                              int connectTimeoutMs, int ioThreads, String transport) {

    /** The accepted values of {@code transport}. */
    public static final java.util.List<String> TRANSPORTS = Transport.NAMES;
}

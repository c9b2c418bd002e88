package io.pgpilot.proxy.routing;

/**
 * What an open client connection was given: the listener it came in on, the backend it was sent to and,
 * on rw, the lease epoch at the time. The proxy keeps one per connection and asks the current
 * {@link RoutingTable} whether it may stay open.
 */
public record Route(Listener listener, Backend backend, long epoch) {

    public static Route rw(Primary primary) {
        return new Route(Listener.RW, primary.backend(), primary.epoch());
    }

    public static Route ro(Backend backend) {
        return new Route(Listener.RO, backend, 0);
    }
}

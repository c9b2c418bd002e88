package io.pgpilot.proxy.routing;

import java.util.Locale;

/** The proxy's two ports: read-write to the primary, read-only to standbys. */
public enum Listener {
    RW,
    RO;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

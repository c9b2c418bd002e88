package io.pgpilot.localapi;

import java.io.IOException;

/**
 * The local API server's state file cannot be restored. The server does not start: starting empty next to
 * data directories that belong to the lost state is what this file exists to prevent.
 */
public final class StateFileException extends IOException {

    StateFileException(String message) {
        super(message);
    }

    StateFileException(String message, Throwable cause) {
        super(message, cause);
    }
}

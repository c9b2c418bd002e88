package io.pgpilot.store;

/** The Kubernetes API did not answer, or answered with an error that is not a conflict. Retry later. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

package io.pgpilot.store;

/**
 * The outcome of a compare-and-swap write. A conflict is an ordinary answer, not an error: the object
 * changed (or appeared, or vanished) since it was read, so the caller must read again and decide again.
 */
public sealed interface Write<T> permits Write.Written, Write.Conflict {

    record Written<T>(T value, String resourceVersion) implements Write<T> {
    }

    /**
     * @param object the object's name
     * @param reason what the API server or the local check said, for the log line
     */
    record Conflict<T>(String object, String reason) implements Write<T> {
    }

    default boolean succeeded() {
        return this instanceof Written;
    }

    /** The written value; throws when the write lost, for callers (tests, tools) that cannot re-decide. */
    default T orElseThrow() {
        if (this instanceof Written<T> written) {
            return written.value();
        }
        Conflict<T> conflict = (Conflict<T>) this;
        throw new IllegalStateException("write to " + conflict.object() + " lost: " + conflict.reason());
    }
}

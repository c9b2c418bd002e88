package io.pgpilot.store;

import java.util.function.Function;

/**
 * The outcome of reading one object: found and parsed, absent, or present but unparseable. A corrupt
 * object is reported with its name and the parse error; what the reader does about it (keep the last valid
 * spec, set C-state aside and rebuild it) is the reader's to say.
 */
public sealed interface Read<T> permits Read.Found, Read.Missing, Read.Corrupt {

    /** The object's name in the Kubernetes API, for messages. */
    String object();

    record Found<T>(String object, T value, String resourceVersion) implements Read<T> {
    }

    record Missing<T>(String object) implements Read<T> {
    }

    record Corrupt<T>(String object, String problem, String resourceVersion) implements Read<T> {
        public String describe() {
            return object + " cannot be read: " + problem;
        }
    }

    default boolean isFound() {
        return this instanceof Found;
    }

    /** The value when found; otherwise an exception whose message says which object and what is wrong with it. */
    default T orElseThrow() {
        if (this instanceof Found<T> found) {
            return found.value();
        }
        if (this instanceof Corrupt<T> corrupt) {
            throw new CorruptObjectException(corrupt.describe());
        }
        throw new MissingObjectException(object() + " does not exist");
    }

    default <R> Read<R> map(Function<T, R> mapping) {
        if (this instanceof Found<T> found) {
            return new Found<>(found.object(), mapping.apply(found.value()), found.resourceVersion());
        }
        if (this instanceof Corrupt<T> corrupt) {
            return new Corrupt<>(corrupt.object(), corrupt.problem(), corrupt.resourceVersion());
        }
        return new Missing<>(object());
    }

    final class CorruptObjectException extends RuntimeException {
        public CorruptObjectException(String message) {
            super(message);
        }
    }

    final class MissingObjectException extends RuntimeException {
        public MissingObjectException(String message) {
            super(message);
        }
    }
}

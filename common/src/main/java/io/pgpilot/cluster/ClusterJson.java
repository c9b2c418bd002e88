package io.pgpilot.cluster;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapping for everything pgpilot keeps in the Kubernetes API. Unknown fields are refused in
 * what people edit by hand, so a typo is reported instead of silently ignored, and skipped in what pgpilot
 * writes itself, so that versions can be mixed during an upgrade.
 */
public final class ClusterJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private ClusterJson() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    public static String writePretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Parses {@code json} as {@code type}, refusing fields this version does not know: for what people write
     * by hand (the spec, local mode's settings), where an unknown field is a typo.
     *
     * @throws MalformedObjectException with Jackson's location and reason, short enough for a log line
     */
    public static <T> T read(String json, Class<T> type) {
        return read(json, type, true);
    }

    /**
     * Parses {@code json} as {@code type}, skipping fields this version does not know: for what pgpilot's own
     * processes write (C-state, keeper statuses, operator requests). During a rolling upgrade a newer keeper
     * or sentinel may add a field; refusing the whole object would make an older one treat C-state or a
     * member as unreadable and stall failovers until the upgrade completes.
     *
     * @throws MalformedObjectException with Jackson's location and reason, short enough for a log line
     */
    public static <T> T readWritten(String json, Class<T> type) {
        return read(json, type, false);
    }

    private static <T> T read(String json, Class<T> type, boolean strict) {
        if (json == null || json.isBlank()) {
            throw new MalformedObjectException("is empty");
        }
        try {
            return strict ? MAPPER.readValue(json, type)
                    : MAPPER.readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).readValue(json);
        } catch (JacksonException e) {
            throw new MalformedObjectException(e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : ""), e);
        } catch (IllegalArgumentException e) {
            throw new MalformedObjectException(e.getMessage(), e);
        }
    }

    /** A document that is not valid JSON of the expected shape; the message says what is wrong. */
    public static final class MalformedObjectException extends RuntimeException {
        public MalformedObjectException(String message) {
            super(message);
        }

        public MalformedObjectException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

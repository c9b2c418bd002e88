package io.pgpilot.cluster;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one JSON mapping for everything pgpilot keeps in the Kubernetes API. Unknown fields are refused
 * so a typo in a hand-edited object is reported instead of silently ignored.
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
     * Parses {@code json} as {@code type}.
     *
     * @throws MalformedObjectException with Jackson's location and reason, short enough for a log line
     */
    public static <T> T read(String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            throw new MalformedObjectException("is empty");
        }
        try {
            return MAPPER.readValue(json, type);
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

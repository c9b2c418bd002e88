package io.pgpilot.cluster;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a keeper is doing, as shown by {@code pgpilot status}; the lower-case names are part of the JSON output. */
public enum MemberState {
    INITIALIZING,
    CLONING,
    REWINDING,
    STREAMING,
    RUNNING,
    STOPPED,
    FAILED,
    FENCED;

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static MemberState fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}

package io.pgpilot.cluster;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A PostgreSQL WAL position. Kept as the unsigned 64-bit value so positions compare and subtract
 * exactly; written in PostgreSQL's own text form ({@code 0/3000060}) so JSON stays readable next to
 * what psql shows.
 */
public record Lsn(long value) implements Comparable<Lsn> {

    public static final Lsn ZERO = new Lsn(0);

    @JsonCreator
    public static Lsn parse(String text) {
        if (text == null || text.isBlank()) {
            return ZERO;
        }
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not a WAL position: expected the form HIGH/LOW in hexadecimal, e.g. 0/3000060");
        }
        try {
            long high = Long.parseLong(text.substring(0, slash), 16);
            long low = Long.parseLong(text.substring(slash + 1), 16);
            if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
                throw new NumberFormatException("part wider than 32 bits");
            }
            return new Lsn((high << 32) | low);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a WAL position: expected the form HIGH/LOW in hexadecimal, e.g. 0/3000060", e);
        }
    }

    /** Bytes from {@code other} up to this position; zero when {@code other} is ahead. */
    public long bytesAfter(Lsn other) {
        return Long.compareUnsigned(value, other.value) > 0 ? value - other.value : 0;
    }

    public boolean isAfter(Lsn other) {
        return compareTo(other) > 0;
    }

    public static Lsn max(Lsn a, Lsn b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @JsonValue
    @Override
    public String toString() {
        return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }
}

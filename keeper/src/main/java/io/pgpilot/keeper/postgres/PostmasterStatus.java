package io.pgpilot.keeper.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a postmaster says about itself in {@code postmaster.pid}: its pid on the first line and, on the eighth,
 * its status ("starting", "ready", "standby", "stopping"), the line {@code pg_ctl --wait} reads to learn
 * when a server it started accepts connections.
 */
record PostmasterStatus(long pid, String status) {

    private static final int PID_LINE = 0;
    private static final int STATUS_LINE = 7;

    /** The file's content, or empty when it is missing, still being written or not in this format. */
    static Optional<PostmasterStatus> parse(String content) {
        String[] lines = content.split("\n", -1);
        if (lines.length <= STATUS_LINE || lines[STATUS_LINE].isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PostmasterStatus(Long.parseLong(lines[PID_LINE].trim()), lines[STATUS_LINE].trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static Optional<PostmasterStatus> read(Path pgdata) {
        try {
            return parse(Files.readString(pgdata.resolve("postmaster.pid")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The postmaster with this pid accepts connections: read-write ("ready") or, in hot standby, read-only
     * ("standby"). A file left by an earlier postmaster that was killed names another pid and says nothing.
     */
    boolean acceptsConnections(long postmasterPid) {
        return pid == postmasterPid && (status.equals("ready") || status.equals("standby"));
    }
}

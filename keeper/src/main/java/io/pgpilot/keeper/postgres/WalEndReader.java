package io.pgpilot.keeper.postgres;

import io.pgpilot.cluster.Lsn;
import io.pgpilot.keeper.model.WalPosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a stopped member's WAL ends, read offline with pg_controldata and pg_waldump: the final position a
 * cleanly stopped primary publishes, and what the fork-point check compares with a new primary's timeline.
 */
final class WalEndReader {

    private static final Logger log = LoggerFactory.getLogger(WalEndReader.class);
    private static final Pattern REDO = Pattern.compile("Latest checkpoint's REDO location:\\s+([0-9A-Fa-f]+/[0-9A-Fa-f]+)");
    private static final Pattern CHECKPOINT_TIMELINE = Pattern.compile("Latest checkpoint's TimeLineID:\\s+(\\d+)");
    /**
     * pg_waldump's last word when it reaches the end of the WAL: "invalid record length at X: wanted 24, got 0",
     * or a record with a bad link "at X"; X is where the next record would begin.
     */
    private static final Pattern WAL_END = Pattern.compile("error in WAL record at [0-9A-F]+/[0-9A-F]+: .* at ([0-9A-F]+/[0-9A-F]+)");
    /**
     * pg_waldump's last word when the WAL ends where a page of no use begins: zero-filled (a segment made ready
     * for later use) or left from the recycled segment's earlier life ("unexpected pageaddr", when the last
     * record ended exactly at a page boundary). PostgreSQL's own recovery ends its redo there too. Behind a record
     * torn at that page (a crash) the page's start is past the real end: an overestimate costs a rewind, never data.
     */
    private static final Pattern UNUSED_PAGE = Pattern.compile(
            "(?:invalid magic number 0000|unexpected pageaddr [0-9A-F]+/[0-9A-F]+) in log segment ([0-9A-F]{8})([0-9A-F]{16}), offset (\\d+)");
    /** pg_waldump's last word when the next segment file does not exist: timeline, then log and segment number. */
    private static final Pattern MISSING_SEGMENT = Pattern.compile("could not find file \"([0-9A-F]{8})([0-9A-F]{16})\"");
    /** PostgreSQL's default, which pgpilot does not change (initdb --wal-segsize is not exposed). */
    private static final long WAL_SEGMENT_BYTES = 16L * 1024 * 1024;

    private final WorkArea area;
    private final PostgresCommands commands;
    private final CommandRunner runner;

    WalEndReader(WorkArea area, PostgresCommands commands, CommandRunner runner) {
        this.area = area;
        this.commands = commands;
        this.runner = runner;
    }

    /**
     * Where this stopped member's WAL ends, read offline: pg_waldump from the last checkpoint's redo point on
     * the newest timeline that has WAL segments here, up to the first position that holds no valid record.
     * Null when that cannot be told (no WAL, an end pg_waldump does not name by position): callers then
     * assume the worst. PostgreSQL must be stopped.
     */
    WalPosition read() {
        if (area.pgdataEmpty()) {
            return null;
        }
        CommandRunner.Result control = runner.capture(commands.controldata(area.pgdata()), Duration.ofSeconds(30));
        Matcher redo = REDO.matcher(control.output());
        Matcher redoTimeline = CHECKPOINT_TIMELINE.matcher(control.output());
        if (!control.ok() || !redo.find() || !redoTimeline.find()) {
            return null;
        }
        int timeline = Integer.parseInt(redoTimeline.group(1));
        String start = redo.group(1);
        Path walDir = area.pgdata().resolve("pg_wal");
        List<String> segments;
        try (var files = Files.list(walDir)) {
            segments = files.map(f -> f.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{24}")).sorted().toList();
        } catch (IOException e) {
            return null;
        }
        // The newest timeline with segments here: a standby that followed a promotion has WAL on it before its
        // next restartpoint moves the control file's timeline.
        for (String name : segments) {
            int tli = Integer.parseInt(name.substring(0, 8), 16);
            if (tli > timeline) {
                timeline = tli;
                start = segmentStart(name.substring(8)).toString();   // its WAL starts in its first segment here
            }
        }
        String prefix = String.format("%08X", timeline);
        List<String> onTimeline = segments.stream().filter(n -> n.startsWith(prefix)).toList();
        String first = segmentName(timeline, Lsn.parse(start));
        if (onTimeline.isEmpty() || !onTimeline.contains(first)) {
            log.info("no WAL segment {} in {} to read from", first, walDir);
            return null;
        }
        String last = onTimeline.get(onTimeline.size() - 1);
        CommandRunner.Result dump = runner.capture(commands.waldump(walDir, start, first, last), Duration.ofSeconds(60));
        WalPosition end = walEnd(timeline, dump.output());
        if (end != null) {
            return end;
        }
        if (dump.ok() && dump.output().isBlank()) {
            // Valid to the very end of the last segment here (a fresh clone): the next one is where it ends.
            return new WalPosition(timeline, new Lsn(segmentStart(last.substring(8)).value() + WAL_SEGMENT_BYTES));
        }
        log.info("pg_waldump on timeline {} from {} did not name where the WAL ends: {}", timeline, start, dump.output().strip());
        return null;
    }

    /** Where pg_waldump's output on {@code timeline} says the WAL ends; null when it does not say. */
    static WalPosition walEnd(int timeline, String output) {
        Matcher end = WAL_END.matcher(output);
        if (end.find()) {
            return new WalPosition(timeline, Lsn.parse(end.group(1)));
        }
        Matcher unusedPage = UNUSED_PAGE.matcher(output);
        if (unusedPage.find() && Integer.parseInt(unusedPage.group(1), 16) == timeline) {
            return new WalPosition(timeline, new Lsn(segmentStart(unusedPage.group(2)).value() + Long.parseLong(unusedPage.group(3))));
        }
        Matcher missing = MISSING_SEGMENT.matcher(output);
        if (missing.find() && Integer.parseInt(missing.group(1), 16) == timeline) {
            // The WAL runs to the end of the last segment here (a fresh clone, a switch at a segment boundary).
            // The segment's start is at or after the real end: an overestimate only ever costs a rewind.
            return new WalPosition(timeline, segmentStart(missing.group(2)));
        }
        return null;
    }

    /** The name of the WAL segment file that holds {@code position} on {@code timeline}. */
    static String segmentName(int timeline, Lsn position) {
        return String.format("%08X%08X%08X", timeline, position.value() >>> 32, (position.value() & 0xFFFFFFFFL) / WAL_SEGMENT_BYTES);
    }

    /** The first position of a WAL segment, from the last 16 hex digits of its file name. */
    private static Lsn segmentStart(String logAndSegment) {
        return new Lsn((Long.parseLong(logAndSegment.substring(0, 8), 16) << 32) + Long.parseLong(logAndSegment.substring(8, 16), 16) * WAL_SEGMENT_BYTES);
    }
}

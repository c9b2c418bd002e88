package io.pgpilot.keeper.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a PostgreSQL tool to completion, its output appended to the keeper's PostgreSQL log. The command
 * lines it logs hold no secrets by construction ({@link PostgresCommands}).
 */
public final class CommandRunner {

    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

    private final Path logFile;

    public CommandRunner(Path logFile) {
        this.logFile = logFile;
    }

    /** The outcome of a finished command: its exit code and last output lines. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }

        public String outputTail() {
            String[] lines = output.split("\n");
            return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 8), lines.length));
        }
    }

    public Result run(List<String> command, Map<String, String> env, Duration timeout) {
        return run(command, env, timeout, true);
    }

    /** Runs a tool whose output is data (pg_controldata), not worth keeping in the log. */
    public Result capture(List<String> command, Duration timeout) {
        return run(command, Map.of(), timeout, false);
    }

    private Result run(List<String> command, Map<String, String> env, Duration timeout, boolean keepOutput) {
        log.debug("running {}", String.join(" ", command));
        try {
            Path output = Files.createTempFile("pgpilot-cmd", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor();
                    return new Result(-1, "timed out after " + timeout.toSeconds() + " s");
                }
                List<String> lines = Files.readAllLines(output);
                if (keepOutput) {
                    appendToLog(command.get(command.indexOf("--") + 1), lines);
                }
                return new Result(process.exitValue(), String.join("\n", lines));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command.get(command.indexOf("--") + 1) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    /** Runs and throws with the tool's own last lines when it fails. */
    public String runOrThrow(String what, List<String> command, Map<String, String> env, Duration timeout) {
        Result result = run(command, env, timeout);
        if (!result.ok()) {
            throw new CommandFailedException(what + " failed (exit " + result.exitCode() + "): " + result.outputTail());
        }
        return result.outputTail();
    }

    private void appendToLog(String tool, List<String> lines) {
        try {
            List<String> prefixed = new ArrayList<>();
            lines.forEach(line -> prefixed.add("[" + Path.of(tool).getFileName() + "] " + line));
            Files.write(logFile, prefixed, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            log.warn("cannot append to {}: {}", logFile, e.getMessage());
        }
    }

    /** A PostgreSQL tool that exited with an error; the message carries its own explanation. */
    public static final class CommandFailedException extends RuntimeException {
        public CommandFailedException(String message) {
            super(message);
        }
    }
}

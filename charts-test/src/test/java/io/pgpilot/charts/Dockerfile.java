package io.pgpilot.charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Dockerfile read the way the builder reads it: comments dropped, continuation lines joined, instructions
 * grouped by build stage. Enough to check a Dockerfile against the sources and the chart without a Docker engine.
 */
record Dockerfile(Path file, List<Stage> stages) {

    record Instruction(String keyword, String arguments) {
        /** The arguments of an exec-form instruction (["a", "b"]) or of a shell-form one split on spaces. */
        List<String> words() {
            String args = arguments.trim();
            if (args.startsWith("[")) {
                return Arrays.asList(JsonMapper.builder().build().readValue(args, String[].class));
            }
            return Arrays.stream(args.split("\\s+")).filter(w -> !w.isEmpty()).toList();
        }
    }

    record Stage(String image, String alias, List<Instruction> instructions) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        Instruction last(String keyword) {
            List<Instruction> found = all(keyword);
            if (found.isEmpty()) {
                throw new NoSuchElementException("stage " + (alias == null ? image : alias) + " has no " + keyword);
            }
            return found.get(found.size() - 1);
        }
    }

    static Dockerfile read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        StringBuilder pending = new StringBuilder();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("#") || line.isEmpty() && pending.isEmpty()) {
                continue; // comments may also sit between continuation lines
            }
            boolean continues = line.endsWith("\\");
            pending.append(continues ? line.substring(0, line.length() - 1) : line).append(' ');
            if (continues) {
                continue;
            }
            String instruction = pending.toString().strip();
            pending.setLength(0);
            String[] parts = instruction.split("\\s+", 2);
            String keyword = parts[0].toUpperCase(Locale.ROOT);
            String arguments = parts.length > 1 ? parts[1] : "";
            if (keyword.equals("FROM")) {
                String[] from = arguments.split("\\s+");
                String alias = from.length >= 3 && from[1].equalsIgnoreCase("AS") ? from[2] : null;
                current = new ArrayList<>();
                stages.add(new Stage(from[0], alias, current));
            } else if (current == null) {
                throw new IllegalArgumentException(file + ": " + keyword + " before the first FROM");
            } else {
                current.add(new Instruction(keyword, arguments));
            }
        }
        return new Dockerfile(file, stages);
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    /** The command the final image runs: ENTRYPOINT followed by CMD (exec form). */
    List<String> command() {
        Stage last = finalStage();
        List<String> command = new ArrayList<>();
        last.all("ENTRYPOINT").stream().reduce((a, b) -> b).ifPresent(i -> command.addAll(i.words()));
        last.all("CMD").stream().reduce((a, b) -> b).ifPresent(i -> command.addAll(i.words()));
        return command;
    }
}

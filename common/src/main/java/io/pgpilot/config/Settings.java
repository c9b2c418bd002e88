package io.pgpilot.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Settings of a pgpilot process, from flags ({@code --data-dir DIR} or {@code --data-dir=DIR}) or, when a
 * flag is absent, from the environment ({@code PGPILOT_DATA_DIR}): flags for people, environment for
 * Kubernetes manifests. Problems are collected, not thrown one at a time, so a bad start-up says
 * everything that is wrong at once; {@link #finish()} throws them all.
 */
public final class Settings {

    private final String component;
    private final Map<String, String> flags;
    private final Set<String> booleanFlags;
    private final Map<String, String> env;
    private final Set<String> known = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();

    private Settings(String component, Map<String, String> flags, Set<String> booleanFlags, Map<String, String> env, List<String> parseProblems) {
        this.component = component;
        this.flags = flags;
        this.booleanFlags = booleanFlags;
        this.env = env;
        this.problems.addAll(parseProblems);
    }

    /**
     * @param switches flags that take no value ({@code --no-failover}); every other flag needs one
     */
    public static Settings parse(String component, String[] args, Map<String, String> env, Set<String> switches) {
        Map<String, String> flags = new LinkedHashMap<>();
        Set<String> booleans = new LinkedHashSet<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                problems.add("unexpected argument '" + arg + "': settings are given as --name VALUE");
                continue;
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (switches.contains(name)) {
                booleans.add(name);
                flags.put(name, value == null ? "true" : value);
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    problems.add("--" + name + " needs a value");
                    continue;
                }
                value = args[++i];
            }
            flags.put(name, value);
        }
        return new Settings(component, flags, booleans, env, problems);
    }

    public static Settings parse(String component, String[] args) {
        return parse(component, args, System.getenv(), Set.of());
    }

    /** The component these settings start: keeper, sentinel, proxy. */
    public String component() {
        return component;
    }

    public static String envName(String flag) {
        return "PGPILOT_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private String raw(String name) {
        known.add(name);
        String value = flags.get(name);
        if (value == null) {
            value = env.get(envName(name));
        }
        return value == null || value.isEmpty() ? null : value;
    }

    public String string(String name, String fallback) {
        String value = raw(name);
        return value == null ? fallback : value;
    }

    /** A setting without a default; its absence is a problem naming both the flag and the variable. */
    public String required(String name, String meaning) {
        String value = raw(name);
        if (value == null) {
            problems.add("--" + name + " (or " + envName(name) + ") is required: " + meaning);
        }
        return value;
    }

    public Path path(String name, Path fallback) {
        String value = raw(name);
        return value == null ? fallback : Path.of(value);
    }

    public Path requiredPath(String name, String meaning) {
        String value = required(name, meaning);
        return value == null ? null : Path.of(value);
    }

    public int integer(String name, int fallback, int min, int max) {
        String value = raw(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < min || parsed > max) {
                problems.add("--" + name + " is " + parsed + ": it must be between " + min + " and " + max);
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add("--" + name + " is '" + value + "': it must be a whole number between " + min + " and " + max);
            return fallback;
        }
    }

    public int port(String name, int fallback) {
        return integer(name, fallback, 0, 65535);
    }

    /** A duration in milliseconds, at least {@code min}. */
    public long millis(String name, long fallback, long min) {
        String value = raw(name);
        if (value == null) {
            return fallback;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed < min) {
                problems.add("--" + name + " is " + parsed + ": it must be at least " + min + " (milliseconds)");
            }
            return parsed;
        } catch (NumberFormatException e) {
            problems.add("--" + name + " is '" + value + "': it must be a whole number of milliseconds, at least " + min);
            return fallback;
        }
    }

    public boolean flag(String name) {
        String value = raw(name);
        if (value == null) {
            return false;
        }
        if (value.equalsIgnoreCase("true") || value.equals("1") || value.equalsIgnoreCase("yes")) {
            return true;
        }
        if (value.equalsIgnoreCase("false") || value.equals("0") || value.equalsIgnoreCase("no")) {
            return false;
        }
        problems.add("--" + name + " is '" + value + "': use true or false");
        return false;
    }

    /** Records a problem found by the caller's own checks (a missing binary, a bad combination). */
    public void problem(String message) {
        problems.add(message);
    }

    /**
     * Refuses unknown flags (a typo must not be silently ignored) and throws every problem found.
     *
     * @throws BadSettingsException when anything is wrong
     */
    public void finish() {
        for (String name : flags.keySet()) {
            if (!known.contains(name)) {
                problems.add("unknown flag --" + name + "; known flags: --" + String.join(", --", known));
            }
        }
        if (!problems.isEmpty()) {
            throw new BadSettingsException(component, problems);
        }
    }

    /** Start-up settings that cannot work; the message lists each problem and what to change. */
    public static final class BadSettingsException extends RuntimeException {
        private final List<String> problems;

        public BadSettingsException(String component, List<String> problems) {
            super(component + " cannot start:\n  - " + String.join("\n  - ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}

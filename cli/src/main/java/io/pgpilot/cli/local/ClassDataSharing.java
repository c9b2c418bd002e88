package io.pgpilot.cli.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Class-data-sharing archives for the component JVMs of a local cluster. On two busy cores a keeper JVM
 * spends seconds loading and verifying classes before it does anything (measured: 4.5 s from start to its
 * first log line during the failover benchmark), and a restarted member's rejoin waits for all of it. An
 * archive maps those classes ready-made.
 *
 * <p>The first JVM of each main class records the classes it loads ({@code -XX:DumpLoadedClassList}, written
 * as they load, so it needs no clean exit); {@link #buildMissing} turns each list into an archive in the
 * background; later JVMs start with it. An archive belongs to one classpath and JDK: a fingerprint of both
 * (each jar's size and modification time) is kept beside it, and a rebuilt jar makes it be recorded again.
 * The JVM needs a classpath of jars only, so a classpath with a directory (the tests' target/classes) gets
 * no archive at all.
 *
 * <p>The archives belong to the build, not to one cluster: they live in {@code cli/target/cds/}, so every
 * cluster started from the same jars (a second {@code --dir}, a benchmark's fresh cluster, an {@code up}
 * after {@code down --clean}) starts with them, and {@code mvn clean} removes them with the jars.
 */
public final class ClassDataSharing {

    /** The modules whose code is a tool's, not a component's (see {@link #isToolCode}). */
    private static final List<String> TOOLS = List.of("cli", "drills");

    private final Path dir;
    private final String classpath;
    /** Sharing is possible: the classpath is jars only. */
    private final boolean enabled;

    /**
     * For the component JVMs started from this one: with {@code ./pgpilot}, the CLI's own jar (or class
     * directory) is left out (the components live in the other jars) and sharing is on, with the archives
     * beside it in {@code cli/target/cds}; from the tests, whose classpath has other directories, the
     * components get this JVM's classpath and no sharing.
     */
    public static ClassDataSharing forThisBuild() {
        return forClasspath(System.getProperty("java.class.path"));
    }

    static ClassDataSharing forClasspath(String full) {
        Path cli = null;
        for (String entry : full.split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath().normalize();
            if (isToolCode(entry) && path.getParent().getParent().endsWith("cli")) {
                cli = path;
            }
        }
        // Without the CLI's own jar or classes there are other directories or no jars either: sharing stays off.
        return new ClassDataSharing(cli == null ? Path.of("cds") : cli.resolveSibling("cds"), full);
    }

    ClassDataSharing(Path dir, String full) {
        this.dir = dir;
        List<String> jars = new ArrayList<>();
        for (String entry : full.split(File.pathSeparator)) {
            if (!entry.isEmpty() && !isToolCode(entry)) {
                // Absolute: an archive records the classpath it was built for and checks it at every start.
                jars.add(Path.of(entry).toAbsolutePath().normalize().toString());
            }
        }
        String candidate = String.join(File.pathSeparator, jars);
        this.enabled = usable(candidate) && fingerprint(candidate) != null;
        this.classpath = enabled ? candidate : full;
    }

    /**
     * The tools' own code, which no component needs: the CLI's as {@code ./pgpilot} puts it on the classpath
     * ({@code cli/target/pgpilot-cli-*.jar}, or {@code cli/target/classes}), and the drills' as
     * {@code bench/failover} adds it ({@code drills/target/pgpilot-drills-*.jar}). Left out, the components of
     * a benchmark's cluster start from the same jars, and the same archives, as a user's.
     */
    private static boolean isToolCode(String entry) {
        if (entry.isEmpty()) {
            return false;
        }
        Path path = Path.of(entry).toAbsolutePath().normalize();
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        for (String tool : TOOLS) {
            boolean inTarget = path.getParent() != null && path.getParent().endsWith(Path.of(tool, "target"));
            if (inTarget && (Files.isDirectory(path) ? name.equals("classes") : name.startsWith("pgpilot-" + tool + "-") && name.endsWith(".jar"))) {
                return true;
            }
        }
        return false;
    }

    /** The classpath to start a component with. */
    String classpath() {
        return classpath;
    }

    private static boolean usable(String classpath) {
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty() || !entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                return false;
            }
        }
        return !classpath.isEmpty();
    }

    /** The JVM options for a new process of {@code mainClass}: use its archive, record its class list, or nothing. */
    List<String> jvmArgs(String mainClass) {
        // Read again at every start: a rebuild while a cluster runs must not hand a JVM an archive of other
        // jars (it would silently start without any sharing at all).
        String fingerprint = currentFingerprint();
        if (fingerprint == null) {
            return List.of();
        }
        try {
            Files.createDirectories(dir);
            if (hasArchive(mainClass, fingerprint)) {
                return List.of("-XX:SharedArchiveFile=" + file(mainClass, "jsa"));
            }
            if (fingerprint.equals(read(stamp(mainClass, "classlist")))) {
                return List.of();   // another process of this class is recording the list
            }
            Files.deleteIfExists(file(mainClass, "classlist"));
            Files.writeString(stamp(mainClass, "classlist"), fingerprint);
            return List.of("-XX:DumpLoadedClassList=" + file(mainClass, "classlist"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /** In words, for the supervisor's log: what {@link #jvmArgs} gave a JVM. */
    static String describe(List<String> jvmArgs) {
        String all = String.join(" ", jvmArgs);
        return all.contains("SharedArchiveFile") ? "class-data-sharing archive" : all.contains("DumpLoadedClassList") ? "recording its classes"
                : "no class-data-sharing archive";
    }

    /**
     * True when every one of {@code mainClasses} has an archive for these jars, or when sharing is off (so
     * there is nothing to wait for).
     */
    public boolean archived(List<String> mainClasses) {
        String fingerprint = currentFingerprint();
        return fingerprint == null || mainClasses.stream().allMatch(m -> hasArchive(m, fingerprint));
    }

    /**
     * Builds the archive of every recorded class list that has none yet, one at a time at the lowest CPU
     * priority; each takes a few seconds of CPU. Failures only mean no archive: the JVMs start as before.
     */
    void buildMissing(List<String> mainClasses, Consumer<String> log) {
        for (String mainClass : mainClasses) {
            String fingerprint = currentFingerprint();
            if (fingerprint == null) {
                return;
            }
            Path list = file(mainClass, "classlist");
            Path archive = file(mainClass, "jsa");
            if (!Files.exists(list) || !fingerprint.equals(read(stamp(mainClass, "classlist"))) || hasArchive(mainClass, fingerprint)) {
                continue;
            }
            try {
                // Its own name: two clusters of the same build may build the same archive at once.
                Path tmp = dir.resolve(simpleName(mainClass) + ".jsa." + ProcessHandle.current().pid() + ".tmp");
                List<String> command = List.of("nice", "-n", "19", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + tmp, "-cp", classpath);
                Process dump = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dump.log").toFile())).start();
                if (!dump.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS)) {
                    dump.destroyForcibly();
                    log.accept("class-data-sharing archive for " + simpleName(mainClass) + " not built in 3 minutes; skipped");
                } else if (!fingerprint.equals(currentFingerprint())) {
                    Files.deleteIfExists(tmp);
                    log.accept("class-data-sharing archive for " + simpleName(mainClass) + " dropped: the jars changed while it was built");
                } else if (dump.exitValue() == 0 && Files.exists(tmp)) {
                    Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    Files.writeString(stamp(mainClass, "jsa"), fingerprint);
                    log.accept("class-data-sharing archive for " + simpleName(mainClass) + " built: its next JVMs start faster");
                } else {
                    log.accept("class-data-sharing archive for " + simpleName(mainClass) + " failed (exit " + dump.exitValue() + "; see "
                            + dir.resolve("dump.log") + "); its JVMs start without one");
                }
            } catch (IOException e) {
                log.accept("class-data-sharing archive for " + simpleName(mainClass) + " failed: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The jars' fingerprint now; null when sharing is off. */
    private String currentFingerprint() {
        return enabled ? fingerprint(classpath) : null;
    }

    /** An archive of {@code mainClass} exists and was built from the jars {@code fingerprint} describes. */
    private boolean hasArchive(String mainClass, String fingerprint) {
        return fingerprint.equals(read(stamp(mainClass, "jsa"))) && Files.exists(file(mainClass, "jsa"));
    }

    private Path file(String mainClass, String suffix) {
        return dir.resolve(simpleName(mainClass) + "." + suffix);
    }

    private Path stamp(String mainClass, String of) {
        return dir.resolve(simpleName(mainClass) + "." + of + ".stamp");
    }

    private static String simpleName(String mainClass) {
        return mainClass.substring(mainClass.lastIndexOf('.') + 1);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static String fingerprint(String classpath) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((System.getProperty("java.home") + "|" + System.getProperty("java.vm.version")).getBytes(StandardCharsets.UTF_8));
            for (String entry : classpath.split(File.pathSeparator)) {
                Path jar = Path.of(entry);
                digest.update((entry + "|" + Files.size(jar) + "|" + Files.getLastModifiedTime(jar).toMillis() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return null;
        }
    }
}

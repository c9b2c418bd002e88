package io.pgpilot.local;

import io.pgpilot.process.Signal;
import io.pgpilot.process.Signals;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A pgpilot component started as its own JVM, the way local mode and the end-to-end tests run keepers,
 * sentinels, proxies and the API server: separate processes, so that SIGKILL, SIGSTOP and SIGTERM are real
 * faults. Output goes to a log file.
 */
public final class JavaProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private JavaProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code mainClass} with this JVM's classpath.
     *
     * @param log file receiving stdout and stderr (appended)
     */
    public static JavaProcess start(String name, String mainClass, List<String> args, Path log, Map<String, String> env) throws IOException {
        return start(name, System.getProperty("java.class.path"), mainClass, List.of(), args, log, env, false);
    }

    /**
     * @param ownSchedulingGroup start it in a session of its own (setsid), which Linux's autogroup scheduling
     *                           makes a CPU group of its own, with the PostgreSQL a keeper starts: each local
     *                           "pod" then gets a fair share of the CPU, as its cgroup gives a real pod,
     *                           instead of each thread competing with every thread of the cluster. A
     *                           restarted keeper's JVM, the longest part of a rejoin, competed with the
     *                           primary's backends, the proxy and the API server thread by thread.
     */
    public static JavaProcess start(String name, String classpath, String mainClass, List<String> jvmArgs, List<String> args, Path log,
                                    Map<String, String> env, boolean ownSchedulingGroup) throws IOException {
        List<String> command = new ArrayList<>();
        if (ownSchedulingGroup) {
            // setsid execs in place (the child is no group leader), so the pid stays the JVM's.
            command.add("setsid");
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small heaps and a fast-starting JIT: a local cluster runs seven JVMs on two cores.
        command.addAll(List.of("-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        return new JavaProcess(name, builder.start(), log);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /**
     * Waits until {@code ready} holds, failing early with the log's tail when the process dies first.
     */
    public void awaitReady(BooleanSupplier ready, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " before " + what + "; last log lines:\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not get to " + what + " within " + timeout.toSeconds() + " s; last log lines:\n" + tail(40));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
    }

    /** The last lines of the log, for error messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    public void signal(Signal signal) {
        Signals.send(process.pid(), signal);
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code grace}. */
    public void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        signal(Signal.TERM);
        try {
            if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                signal(Signal.CONT);
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void kill() {
        signal(Signal.KILL);
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    /** The classpath of this JVM as files, for callers that build their own. */
    public static List<File> classpath() {
        List<File> files = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            files.add(new File(entry));
        }
        return files;
    }
}

package io.pgpilot.keeper.postgres;

import io.pgpilot.process.Signal;
import io.pgpilot.process.Signals;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The postmaster as a direct child of the keeper. Started through {@code setpriv --pdeathsig=KILL}, and the
 * parent-death signal follows the thread that started it, not the process: every postmaster is therefore
 * started by one thread kept for the JVM's whole life, so that any thread (the convergence loop, or the
 * keeper's main thread starting a standby before the cluster is read) may ask for a start.
 */
public final class Postmaster {

    private static final Logger log = LoggerFactory.getLogger(Postmaster.class);
    /** The parent thread of every postmaster: it never ends before the JVM does. */
    private static final ExecutorService PARENT = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "postmaster-parent");
        t.setDaemon(true);
        return t;
    });

    private final Process process;
    private final long startedAtNanos;

    private Postmaster(Process process) {
        this.process = process;
        this.startedAtNanos = System.nanoTime();
    }

    public static Postmaster start(List<String> command, Path logFile) throws IOException {
        Postmaster postmaster = new Postmaster(spawn(command, logFile));
        postmaster.process.onExit().thenAccept(p -> log.info("postmaster pid {} exited with code {}", p.pid(), p.exitValue()));
        return postmaster;
    }

    /**
     * Starts {@code command} from the parent thread, its output appended to {@code logFile}: any child of the
     * keeper that must die with it (the postmaster, the fence watchdog) is started this way.
     */
    static Process spawn(List<String> command, Path logFile) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // Waited for even when interrupted: a postmaster started but not handed back would run untracked.
        Future<Process> spawning = PARENT.submit(builder::start);
        boolean interrupted = false;
        Process process;
        while (true) {
            try {
                process = spawning.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io : new IOException("cannot start " + command.get(0) + ": " + e.getCause(), e.getCause());
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return process;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    public long millisSinceStart() {
        return (System.nanoTime() - startedAtNanos) / 1_000_000;
    }

    /**
     * Fast shutdown (SIGINT): sessions are terminated at once and no new ones are accepted, then a
     * checkpoint and an orderly exit, so the last WAL reaches the standbys. Escalates to immediate
     * (SIGQUIT) when not done within {@code bound}.
     *
     * @return true when the postmaster has exited
     */
    public boolean stopFast(Duration bound) {
        if (!process.isAlive()) {
            return true;
        }
        signal(Signal.INT);
        if (awaitExit(bound)) {
            return true;
        }
        log.warn("postmaster pid {} still running {} ms after a fast shutdown request: stopping it immediately", pid(), bound.toMillis());
        return stopImmediate(Duration.ofSeconds(5));
    }

    /** Immediate shutdown (SIGQUIT): every process exits without a checkpoint; the next start recovers. */
    public boolean stopImmediate(Duration bound) {
        if (!process.isAlive()) {
            return true;
        }
        signal(Signal.QUIT);
        if (awaitExit(bound)) {
            return true;
        }
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(5));
    }

    /** Sends a signal without waiting; the fencing path uses this so nothing can hold it up. */
    public void signal(Signal signal) {
        if (!process.isAlive()) {
            return;
        }
        try {
            Signals.send(pid(), signal);
        } catch (IllegalStateException e) {
            log.error("cannot send SIG{} to postmaster {}: {}", signal, pid(), e.getMessage());
        }
    }

    public boolean awaitExit(Duration bound) {
        try {
            return process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}

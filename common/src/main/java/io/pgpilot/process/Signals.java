package io.pgpilot.process;

import java.io.IOException;

/** Sends POSIX signals through {@code kill(1)}; the JDK can only send TERM and KILL by itself. */
public final class Signals {

    private Signals() {
    }

    public static void send(long pid, Signal signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal.name(), Long.toString(pid)).redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            kill.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot send SIG" + signal + " to " + pid + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

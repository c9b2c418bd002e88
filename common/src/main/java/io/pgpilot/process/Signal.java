package io.pgpilot.process;

/** The POSIX signals pgpilot sends to its own processes. */
public enum Signal {
    TERM,
    KILL,
    STOP,
    CONT,
    INT,
    QUIT,
    HUP
}

package io.pgpilot.sentinel.election;

/** Whether this sentinel may write decisions right now. Asked before every write, not once per tick. */
@FunctionalInterface
public interface Leadership {

    boolean mayWrite();

    /** For tests and single-sentinel tools: always the leader. */
    Leadership ALWAYS = () -> true;
}

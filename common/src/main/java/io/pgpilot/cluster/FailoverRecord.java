package io.pgpilot.cluster;

/**
 * One change of primary, kept in the bounded history of {@code C-state}.
 *
 * @param epoch  the epoch the new primary got
 * @param from   the previous primary, null at bootstrap
 * @param to     the new primary
 * @param reason why the sentinel did it, in words a user can act on
 * @param at     when, as an ISO-8601 instant (for people; never used to judge time)
 */
public record FailoverRecord(long epoch, String from, String to, String reason, String at) {
}

package io.pgpilot.proxy.routing;

/**
 * The latest positive answer of a keeper's {@code GET /lease}: 200 with {@code holder=true}. It says the
 * keeper held the primary lease, unfenced, when it answered.
 *
 * @param keeper the keeper that answered
 * @param epoch  the epoch it said it holds
 * @param msAgo  time since the request was <em>sent</em>, on this proxy's clock: the answer is at least
 *               that old, never younger
 */
public record Confirmation(String keeper, long epoch, long msAgo) {
}

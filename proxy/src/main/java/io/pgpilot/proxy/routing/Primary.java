package io.pgpilot.proxy.routing;

/**
 * The backend the rw port may use, and the grant it was chosen under. A connection opened under one
 * grant is closed when the grant changes, even if the keeper is the same: the lease was given up and
 * taken again in between, so what the connection was talking to may have been demoted meanwhile.
 *
 * @param backend the lease holder's PostgreSQL
 * @param epoch   the lease's epoch
 * @param basis   why it is valid right now, for logs
 */
public record Primary(Backend backend, long epoch, String basis) {

    /** Same backend under the same grant; the basis may differ (fresh lease now, confirmation later). */
    public boolean sameGrant(Primary other) {
        return other != null && backend.equals(other.backend) && epoch == other.epoch;
    }
}

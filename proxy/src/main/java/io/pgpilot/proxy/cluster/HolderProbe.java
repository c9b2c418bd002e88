package io.pgpilot.proxy.cluster;

import io.pgpilot.cluster.ClusterJson;
import io.pgpilot.cluster.KeeperStatus;
import io.pgpilot.time.MonotonicClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Asks the lease holder's keeper whether it still holds the primary lease ({@code GET /lease}), so the
 * proxy can keep routing to it while the API server is slow. Only a 200 with {@code holder=true}, naming
 * the expected keeper and epoch, counts; the time recorded is when the request was <em>sent</em>, so the
 * answer is never taken for younger than it is.
 */
public final class HolderProbe {

    private static final Logger log = LoggerFactory.getLogger(HolderProbe.class);

    /** A positive answer; {@code sentAtNanos} on this proxy's monotonic clock. */
    public record Answer(String keeper, long epoch, long sentAtNanos) {
    }

    /** What one probe found out. */
    public sealed interface Outcome permits Confirmed, Denied, NoAnswer {
    }

    public record Confirmed(Answer answer) implements Outcome {
    }

    /** The keeper answered, and not with a valid confirmation: positive evidence that it is not a valid holder. */
    public record Denied(String why) implements Outcome {
    }

    /** No answer (timeout, refused): nothing learned; an earlier confirmation just ages out. */
    public record NoAnswer(String why) implements Outcome {
    }

    private final HttpClient http;
    private final MonotonicClock clock;

    public HolderProbe(MonotonicClock clock, Duration connectTimeout) {
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    public Outcome ask(String keeper, long epoch, KeeperStatus status, Duration timeout) {
        long sentAt = clock.nanos();
        HttpResponse<String> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(status.httpAddress() + "/lease"))
                    .timeout(timeout).GET().build();
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return new NoAnswer(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new NoAnswer("interrupted");
        } catch (IllegalArgumentException e) {
            return new Denied("address " + status.httpAddress() + " is not usable: " + e.getMessage());
        }
        if (response.statusCode() != 200) {
            return new Denied("GET /lease answered " + response.statusCode());
        }
        try {
            JsonNode body = ClusterJson.mapper().readTree(response.body());
            String named = body.path("keeper").asString("");
            boolean holder = body.path("holder").asBoolean(false);
            long answeredEpoch = body.path("epoch").asLong(-1);
            if (!holder || !keeper.equals(named) || answeredEpoch != epoch) {
                return new Denied("GET /lease answered keeper=" + named + " holder=" + holder + " epoch=" + answeredEpoch
                        + ", expected " + keeper + " holding epoch " + epoch);
            }
            return new Confirmed(new Answer(keeper, epoch, sentAt));
        } catch (RuntimeException e) {
            log.debug("unreadable /lease answer from {}: {}", keeper, e.toString());
            return new Denied("GET /lease answered 200 with an unreadable body");
        }
    }
}

package io.pgpilot.keeper.member;

import io.pgpilot.cluster.KeeperStatus;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failsafe: a primary that cannot reach the API server asks every other member of the cluster, as C-state
 * last named them and as its last published status listed them, to confirm it directly (the keepers'
 * {@code POST /failsafe}). Each confirmation is that member's promise not to become writable for a lease
 * duration from when it answered; with every member's promise the primary may count the round as a renewal,
 * sent when the round was sent. One member that does not confirm (unreachable, frozen, planned as primary, or
 * reading another primary) and the primary fences at its renew deadline as without failsafe.
 * docs/architecture.md (invariant 9) has the proof.
 */
public final class Failsafe {

    private static final Logger log = LoggerFactory.getLogger(Failsafe.class);

    private final String me;
    private final HttpClient http;

    public Failsafe(String me) {
        this.me = me;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    }

    /**
     * Asks the members of {@code view}'s C-state and the {@code published} ones, but this one, to confirm it as
     * the primary at C-state's epoch, all at once, each within {@code timeout}.
     *
     * @return null when every one confirmed; otherwise which did not and why, in words
     */
    public String confirm(ClusterView view, Collection<String> published, Duration timeout) {
        Map<String, CompletableFuture<String>> answers = new TreeMap<>();
        long epoch = view.state().epoch();
        long windowMs = view.spec().leaseDurationMs();
        Set<String> asked = new TreeSet<>(view.state().members().keySet());
        asked.addAll(published);
        for (String member : asked) {
            if (member.equals(me)) {
                continue;
            }
            KeeperStatus status = view.keepers().get(member);
            if (status == null || status.host() == null || status.httpPort() <= 0) {
                answers.put(member, CompletableFuture.completedFuture("its address is unknown"));
                continue;
            }
            URI uri = URI.create(status.httpAddress() + "/failsafe?primary="
                    + URLEncoder.encode(me, StandardCharsets.UTF_8) + "&epoch=" + epoch + "&windowMs=" + windowMs);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).POST(HttpRequest.BodyPublishers.noBody()).build();
            answers.put(member, http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> r.statusCode() == 200 ? null : "answered " + r.statusCode() + " " + r.body())
                    .exceptionally(e -> "did not answer (" + rootMessage(e) + ")"));
        }
        List<String> refusals = new ArrayList<>();
        answers.forEach((member, answer) -> {
            String why = answer.join();
            if (why != null) {
                refusals.add(member + " " + why);
            }
        });
        if (refusals.isEmpty()) {
            log.debug("failsafe: every member confirmed {} at epoch {}", me, epoch);
            return null;
        }
        return String.join("; ", refusals);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}

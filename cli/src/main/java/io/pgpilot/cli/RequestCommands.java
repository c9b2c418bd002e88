package io.pgpilot.cli;

import io.pgpilot.cluster.ClusterSpec;
import io.pgpilot.cluster.OperatorRequest;
import io.pgpilot.store.ClusterStore;
import io.pgpilot.store.Read;
import io.pgpilot.store.Write;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The operator's commands that ask the active sentinel to act: they write to the API, so they work against any cluster. */
final class RequestCommands {

    private RequestCommands() {
    }

    /** Writes a pending request and waits for the sentinel's answer; exit code 0 when done, 1 when refused or unanswered. */
    static int request(ClusterStore store, OperatorRequest request, Duration wait) {
        Read<OperatorRequest> current = store.readRequest();
        String rv = null;
        if (current instanceof Read.Found<OperatorRequest> found) {
            if (found.value().isPending()) {
                System.err.println("a " + found.value().action() + " request is already pending; wait for it or check `pgpilot status`");
                return 1;
            }
            rv = found.resourceVersion();
        } else if (current instanceof Read.Corrupt<OperatorRequest> corrupt) {
            rv = corrupt.resourceVersion();
        }
        Write<OperatorRequest> written = store.writeRequest(request, rv);
        if (!written.succeeded()) {
            System.err.println("another request was written at the same time; run the command again");
            return 1;
        }
        System.out.println(request.action() + " requested" + (request.target() == null ? "" : " to " + request.target()) + "; waiting for the sentinel");
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline) {
            if (store.readRequest() instanceof Read.Found<OperatorRequest> found && found.value().id().equals(request.id()) && !found.value().isPending()) {
                System.out.println(found.value().status() + ": " + found.value().message());
                return OperatorRequest.DONE.equals(found.value().status()) ? 0 : 1;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        System.err.println("no answer from a sentinel within " + wait.toSeconds() + " s; is a sentinel running? The request stays pending.");
        return 1;
    }

    /** Writes one kind of request and waits for the sentinel's answer. */
    abstract static class Request implements Callable<Integer> {
        @Mixin
        ClusterOptions options;

        @Option(names = "--to", description = "the standby to promote (default: the best one)")
        String to;

        @Option(names = "--wait", defaultValue = "60", description = "seconds to wait for the sentinel's answer (default: ${DEFAULT-VALUE})")
        int waitSeconds;

        abstract String action();

        @Override
        public Integer call() {
            ClusterStore store = options.store();
            try (var client = store.client()) {
                return request(store, OperatorRequest.pending(action(), to), Duration.ofSeconds(waitSeconds));
            }
        }
    }

    @Command(name = "switchover", description = "Hand the primary role to a standby without losing a commit.")
    static final class Switchover extends Request {
        @Override
        String action() {
            return OperatorRequest.SWITCHOVER;
        }
    }

    @Command(name = "failover", description = "Promote a standby now because the primary cannot be used (may lose commits it did not replicate).")
    static final class Failover extends Request {
        @Override
        String action() {
            return OperatorRequest.FAILOVER;
        }
    }

    @Command(name = "recover", description = {"Rebuild a cluster whose C-state was lost around one member's data, when the sentinel cannot",
        "choose by itself (members that hold different clusters' data, or a member that does not come back).",
        "Refused when another member of the same data has more WAL, unless --force."})
    static final class Recover implements Callable<Integer> {
        @Mixin
        ClusterOptions options;

        @Option(names = "--adopt", required = true, paramLabel = "MEMBER", description = "the member whose data the cluster goes on from")
        String member;

        @Option(names = "--force", description = "adopt it even when another member has more WAL, which is then lost")
        boolean force;

        @Option(names = "--wait", defaultValue = "60", description = "seconds to wait for the sentinel's answer (default: ${DEFAULT-VALUE})")
        int waitSeconds;

        @Override
        public Integer call() {
            OperatorRequest adopt = OperatorRequest.adopt(member, force);   // a bad name is refused before anything is reached
            ClusterStore store = options.store();
            try (var client = store.client()) {
                return request(store, adopt, Duration.ofSeconds(waitSeconds));
            }
        }
    }

    /** Sets the spec's pause flag with a compare-and-swap, retrying only when someone else changed the spec meanwhile. */
    static int setPause(ClusterOptions options, boolean pause) {
        ClusterStore store = options.store();
        try (var client = store.client()) {
            for (int attempt = 0; attempt < 5; attempt++) {
                Read<ClusterSpec> spec = store.readSpec();
                if (!(spec instanceof Read.Found<ClusterSpec> found)) {
                    System.err.println(spec instanceof Read.Corrupt<ClusterSpec> corrupt ? corrupt.describe()
                            : "ConfigMap " + store.names().specConfigMap() + " does not exist; is the cluster installed?");
                    return 1;
                }
                if (store.updateSpec(found.value().withPause(pause), found.resourceVersion()).succeeded()) {
                    System.out.println(pause ? "paused: the sentinel observes and reports but takes no decision" : "resumed: the sentinel decides again");
                    return 0;
                }
            }
            System.err.println("the spec kept changing under us; run the command again");
            return 1;
        }
    }

    @Command(name = "pause", description = "Stop automatic decisions (maintenance); the sentinel keeps reporting.")
    static final class Pause implements Callable<Integer> {
        @Mixin
        ClusterOptions options;

        @Override
        public Integer call() {
            return setPause(options, true);
        }
    }

    @Command(name = "resume", description = "Resume automatic decisions after pause.")
    static final class Resume implements Callable<Integer> {
        @Mixin
        ClusterOptions options;

        @Override
        public Integer call() {
            return setPause(options, false);
        }
    }
}

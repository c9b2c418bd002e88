package io.pgpilot.drills.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Everything a chaos run observed, in {@link System#nanoTime} of the runner's JVM: the acknowledged inserts,
 * the samples of which members accepted writes, the read attempts, and the faults. Appended to by the
 * writers, readers, sampler and injector while the run goes on; checked by {@link ChaosChecker}.
 */
public final class History {

    /**
     * One acknowledged insert.
     *
     * @param writer     the writer that sent it
     * @param id         its key within the writer
     * @param value      what it wrote
     * @param sentNanos  when the insert was sent
     * @param ackNanos   when its commit was acknowledged
     * @param port       the PostgreSQL port of the member that accepted it (inet_server_port()); 0 when unknown (an
     *                   insert retried after an unknown outcome and found already there)
     */
    public record Ack(int writer, long id, String value, long sentNanos, long ackNanos, int port) {
    }

    /** One round of the sampler: at {@code nanos}, the members whose own port accepted writes. */
    public record Sample(long nanos, Set<String> writable) {
    }

    /** One read through the read-only port, and whether it succeeded. */
    public record Read(long nanos, boolean ok) {
    }

    /**
     * A fault as injected.
     *
     * @param target    the process it hit (a keeper's name, a sentinel's, the proxy's, "api-server")
     * @param role      what the target was when hit (primary, standby, leader), for the report
     * @param endNanos  when it was over: the process continued, or, for an instant fault, when it was sent
     */
    public record Fault(int number, FaultKind kind, String target, String role, long startNanos, long endNanos) {
    }

    private final List<Ack> acks = new ArrayList<>();
    private final List<Sample> samples = new ArrayList<>();
    private final List<Read> reads = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();

    public synchronized void ack(Ack ack) {
        acks.add(ack);
    }

    public synchronized void sample(Sample sample) {
        samples.add(sample);
    }

    public synchronized void read(Read read) {
        reads.add(read);
    }

    public synchronized void fault(Fault fault) {
        faults.add(fault);
    }

    /** Whether an insert was acknowledged after {@code nanos}. */
    public synchronized boolean ackedSince(long nanos) {
        return !acks.isEmpty() && acks.get(acks.size() - 1).ackNanos() > nanos;
    }

    public synchronized List<Ack> acks() {
        return List.copyOf(acks);
    }

    public synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    public synchronized List<Read> reads() {
        return List.copyOf(reads);
    }

    public synchronized List<Fault> faults() {
        return List.copyOf(faults);
    }
}

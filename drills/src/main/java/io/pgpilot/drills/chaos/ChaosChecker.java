package io.pgpilot.drills.chaos;

import io.pgpilot.drills.chaos.History.Ack;
import io.pgpilot.drills.chaos.History.Fault;
import io.pgpilot.drills.chaos.History.Sample;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Judges a chaos run's history against the rows the final primary holds. Pure, so that it is tested on
 * made-up histories (a planted lost write, a planted second primary) as well as run on real ones.
 *
 * <ul>
 *   <li>Lost: an acknowledged insert missing from the final rows; a wrong value: present with another value.
 *       Each loss is put down to the fault nearest to it in time.</li>
 *   <li>Two primaries: a sample in which two members' own ports accepted writes; or two members each
 *       acknowledging an insert within short windows that overlap (both accepted writes at the same time).</li>
 *   <li>Availability: the share of 100 ms intervals with an acknowledged insert (a successful read for reads);
 *       the longest write gap per fault kind: the longest stretch without an acknowledgement that overlaps a
 *       fault of that kind.</li>
 * </ul>
 */
public final class ChaosChecker {

    /** Intervals of this length count the run's availability. */
    static final long BUCKET_NANOS = 100_000_000L;
    /** Acknowledgement windows (send to acknowledgement) up to this long are precise enough to prove an overlap. */
    static final long TIGHT_WINDOW_NANOS = 100_000_000L;

    private ChaosChecker() {
    }

    /** An insert's identity: the writer that sent it and its id within the writer. */
    public record Key(int writer, long id) {
    }

    /** An acknowledged insert the final rows do not have, and the fault it is put down to (null: none). */
    public record Lost(Ack ack, Fault fault) {
    }

    /** Two acknowledgements from different members whose windows overlap. */
    public record Overlap(Ack first, Ack second) {
    }

    /**
     * What the faults of one kind did: how many there were, the median and the longest of the write gaps around
     * each (the longest is often a fault that came with another), and the writes lost to them.
     */
    public record KindFigures(int faults, long medianGapNanos, long longestGapNanos, int lost) {
    }

    /**
     * @param acknowledged      inserts acknowledged
     * @param lost              acknowledged inserts missing at the end
     * @param wrongValue        acknowledged inserts present with another value
     * @param twoWritable       samples in which two members accepted writes
     * @param overlaps          acknowledgements by two members at the same time
     * @param writeAvailability share of 100 ms intervals with an acknowledged insert
     * @param readAvailability  share of 100 ms intervals with a successful read (1 when no reader ran)
     * @param longestGapNanos   the longest stretch without an acknowledged insert
     * @param byKind            per fault kind that occurred
     * @param gapByFault        per fault (by number), the longest write gap that overlaps it
     */
    public record Verdict(int acknowledged, List<Lost> lost, List<Ack> wrongValue, List<Sample> twoWritable, List<Overlap> overlaps,
                          double writeAvailability, double readAvailability, long longestGapNanos, Map<FaultKind, KindFigures> byKind,
                          Map<Integer, Long> gapByFault) {

        /** Nothing that must never happen happened: no second primary, no changed row, and in synchronous mode no loss. */
        public boolean safe(boolean synchronous) {
            return twoWritable.isEmpty() && overlaps.isEmpty() && wrongValue.isEmpty() && (!synchronous || lost.isEmpty());
        }
    }

    /**
     * @param finalRows  every row the final primary holds, value by key
     * @param startNanos when the run's clock began (writers running)
     * @param endNanos   when it ended
     */
    public static Verdict check(History history, Map<Key, String> finalRows, long startNanos, long endNanos) {
        List<Ack> acks = new ArrayList<>(history.acks());
        acks.sort(Comparator.comparingLong(Ack::ackNanos));
        List<Fault> faults = new ArrayList<>(history.faults());
        faults.sort(Comparator.comparingLong(Fault::startNanos));

        List<Lost> lost = new ArrayList<>();
        List<Ack> wrongValue = new ArrayList<>();
        for (Ack ack : acks) {
            String found = finalRows.get(new Key(ack.writer(), ack.id()));
            if (found == null) {
                lost.add(new Lost(ack, blame(ack, faults)));
            } else if (!found.equals(ack.value())) {
                wrongValue.add(ack);
            }
        }
        List<Sample> twoWritable = history.samples().stream().filter(s -> s.writable().size() > 1).toList();

        long[] ackTimes = acks.stream().mapToLong(Ack::ackNanos).toArray();
        Map<Integer, Long> gapByFault = new TreeMap<>();
        Map<FaultKind, List<Long>> gapsByKind = new EnumMap<>(FaultKind.class);
        Map<FaultKind, Integer> lostByKind = new EnumMap<>(FaultKind.class);
        for (Fault f : faults) {
            long gap = longestGapAround(ackTimes, f, startNanos, endNanos);
            gapByFault.put(f.number(), gap);
            gapsByKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(gap);
            lostByKind.merge(f.kind(), (int) lost.stream().filter(l -> l.fault() == f).count(), Integer::sum);
        }
        Map<FaultKind, KindFigures> byKind = new EnumMap<>(FaultKind.class);
        gapsByKind.forEach((kind, gaps) -> {
            List<Long> sorted = gaps.stream().sorted().toList();
            byKind.put(kind, new KindFigures(sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), lostByKind.get(kind)));
        });
        long[] readTimes = history.reads().stream().filter(History.Read::ok).mapToLong(History.Read::nanos).sorted().toArray();
        double readAvailability = history.reads().isEmpty() ? 1.0 : availability(readTimes, startNanos, endNanos);
        return new Verdict(acks.size(), lost, wrongValue, twoWritable, overlaps(acks), availability(ackTimes, startNanos, endNanos),
                readAvailability, longestGap(ackTimes, startNanos, endNanos), byKind, gapByFault);
    }

    /**
     * The fault nearest in time to a lost write: one running while it was in flight, else the closest before or
     * after it. A write is lost when the failover after a fault drops it, which is usually the fault that came
     * next; but a primary killed at one instant still acknowledges what its backends were finishing for a few
     * milliseconds after it, and that write belongs to the fault just before.
     */
    private static Fault blame(Ack ack, List<Fault> faults) {
        Fault nearest = null;
        long best = Long.MAX_VALUE;
        for (Fault f : faults) {
            long distance = f.endNanos() < ack.sentNanos() ? ack.sentNanos() - f.endNanos()
                    : f.startNanos() > ack.ackNanos() ? f.startNanos() - ack.ackNanos() : 0;
            if (distance < best) {
                best = distance;
                nearest = f;
            }
        }
        return nearest;
    }

    /** The share of {@link #BUCKET_NANOS} intervals in [start, end) holding at least one of {@code times} (sorted). */
    static double availability(long[] times, long startNanos, long endNanos) {
        long buckets = Math.max(1, (endNanos - startNanos + BUCKET_NANOS - 1) / BUCKET_NANOS);
        long covered = 0;
        long lastBucket = -1;
        for (long t : times) {
            if (t < startNanos || t >= endNanos) {
                continue;
            }
            long bucket = (t - startNanos) / BUCKET_NANOS;
            if (bucket != lastBucket) {
                covered++;
                lastBucket = bucket;
            }
        }
        return (double) covered / buckets;
    }

    /** The longest stretch of [start, end] without one of {@code times} (sorted). */
    static long longestGap(long[] times, long startNanos, long endNanos) {
        long longest = 0;
        long previous = startNanos;
        for (long t : times) {
            if (t < startNanos || t > endNanos) {
                continue;
            }
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        return Math.max(longest, endNanos - previous);
    }

    /** The longest stretch between two of {@code times} (sorted; the run's start and end as bounds) that overlaps {@code f}. */
    static long longestGapAround(long[] times, Fault f, long startNanos, long endNanos) {
        int i = Arrays.binarySearch(times, f.startNanos());
        i = i >= 0 ? i : -i - 1;   // the first acknowledgement at or after the fault's start
        long longest = 0;
        long previous = i == 0 ? startNanos : times[i - 1];
        for (; i <= times.length; i++) {
            long next = i == times.length ? endNanos : times[i];
            longest = Math.max(longest, next - previous);
            if (next > f.endNanos()) {
                break;
            }
            previous = next;
        }
        return longest;
    }

    /** Pairs of tight acknowledgement windows from different members that overlap. */
    static List<Overlap> overlaps(List<Ack> acks) {
        List<Ack> tight = acks.stream().filter(a -> a.port() > 0 && a.ackNanos() - a.sentNanos() <= TIGHT_WINDOW_NANOS)
                .sorted(Comparator.comparingLong(Ack::sentNanos)).toList();
        List<Overlap> found = new ArrayList<>();
        Deque<Ack> open = new ArrayDeque<>();
        for (Ack a : tight) {
            open.removeIf(o -> o.ackNanos() < a.sentNanos());
            for (Ack o : open) {
                if (o.port() != a.port()) {
                    found.add(new Overlap(o, a));
                    break;
                }
            }
            open.addLast(a);
        }
        return found;
    }
}

package dev.redismigrate.worker.changelog;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The change-log records Kafka has confirmed, kept in memory for the applier of the same task: a
 * caught-up apply takes them from here instead of fetching them back from the broker (the fetch,
 * its decompression and decoding were a quarter of the stream worker's CPU under a steady load,
 * and a hop of latency). Kafka stays the durable record: only confirmed records come here, each
 * with its Kafka offset, and the reader takes one only when it is the very next offset it needs
 * ({@link ChangeLogEntryReader}); anything else (a record dropped here, another capture's record in
 * between) is read from Kafka. Bounded in bytes: while the apply lags the newest records are not
 * kept (they are in Kafka). The producer's thread offers, the apply thread takes.
 */
public final class AckedRecords {
    /** What the stream worker keeps by default: about 64 records of 256 KiB. */
    public static final long DEFAULT_BYTES = 16L << 20;

    private record Kept(ChangeLogReader.Record record, long bytes) {
    }

    private final long maxBytes;
    private final ArrayDeque<Kept> kept = new ArrayDeque<>();
    private long bytes;
    private long dropped;

    public AckedRecords(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** A record Kafka confirmed; not kept when that would pass the bound. */
    synchronized void offer(ChangeLogReader.Record record, long size) {
        if (bytes + size > maxBytes) {
            dropped++;
            return;
        }
        kept.addLast(new Kept(record, size));
        bytes += size;
        notifyAll();
    }

    /**
     * The record at Kafka offset {@code next}, taken out, or null: when the oldest kept is later (a
     * gap: read Kafka), or none came within {@code wait}. Records before {@code next} are dropped.
     */
    synchronized ChangeLogReader.Record take(long next, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            while (!kept.isEmpty() && kept.peekFirst().record().kafkaOffset() < next) {
                bytes -= kept.pollFirst().bytes();
            }
            Kept head = kept.peekFirst();
            if (head != null) {
                if (head.record().kafkaOffset() != next) {
                    return null;
                }
                kept.pollFirst();
                bytes -= head.bytes();
                return head.record();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /** Whether a record waits here (the apply is not idle). */
    synchronized boolean isEmpty() {
        return kept.isEmpty();
    }

    /** Records not kept for the bound since the start (read from Kafka instead). */
    public synchronized long dropped() {
        return dropped;
    }
}

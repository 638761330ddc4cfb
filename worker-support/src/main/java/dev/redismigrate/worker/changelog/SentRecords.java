package dev.redismigrate.worker.changelog;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The change-log records this task's capture sent, kept in memory for the applier of the same task
 * as they are sent, before Kafka confirms them: a caught-up apply takes them from here. Waiting for
 * Kafka's confirmation first put the broker's round trip into the stream's lag: 20-100 ms at the
 * median on the shared 2-core machine under a steady 35,000 writes/s (12-07), most of the lag. Applying
 * a command before Kafka holds it is safe: the target's checkpoint then runs ahead of the log, and after
 * a crash the next capture continues after whichever is further (the source's backlog has the rest),
 * its applier skipping what the checkpoint covers. Kafka stays the record for everything the apply did
 * not take from here.
 *
 * <p>Each record gets the next sequence number, also when the bound in bytes leaves it out (the apply
 * lags; it is read from Kafka then), so the reader tells "not sent yet" from "not kept". Records
 * leave in order; the appender's thread offers, the apply thread takes, Kafka's thread confirms.
 */
public final class SentRecords {
    /** What the stream worker keeps by default: about 64 records of 256 KiB. */
    public static final long DEFAULT_BYTES = 16L << 20;

    /** A record as sent: its place among the capture's records, and its Kafka offset once confirmed. */
    public static final class Sent {
        private final SentRecords owner;
        private final long sequence;
        private final long sentAtMillis;
        /** null once taken: the apply holds its commands, and the trim only this record's place */
        private ChangeBatch batch;
        private final long bytes;
        private long kafkaOffset = -1; // guarded by this

        Sent(SentRecords owner, long sequence, long sentAtMillis, ChangeBatch batch, long bytes) {
            this.owner = owner;
            this.sequence = sequence;
            this.sentAtMillis = sentAtMillis;
            this.batch = batch;
            this.bytes = bytes;
        }

        long sequence() {
            return sequence;
        }

        long sentAtMillis() {
            return sentAtMillis;
        }

        /** Its commands, handed over once (see the field). */
        ChangeBatch takeBatch() {
            ChangeBatch commands = batch;
            batch = null;
            return commands;
        }

        /** Kafka's thread: wakes whoever waits for it here or for the head of the kept records. */
        void confirm(long offset) {
            synchronized (this) {
                kafkaOffset = offset;
                notifyAll();
            }
            synchronized (owner) { // not nested: a reader holds the owner's lock, then this one
                owner.notifyAll();
            }
        }

        /** Its Kafka offset, or -1 while Kafka has not confirmed it. */
        public synchronized long kafkaOffset() {
            return kafkaOffset;
        }

        /** Its Kafka offset, waited for up to {@code wait}; -1 when not confirmed by then. */
        synchronized long awaitKafkaOffset(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (kafkaOffset < 0) {
                if (!waitOn(this, deadline)) {
                    return -1;
                }
            }
            return kafkaOffset;
        }
    }

    private final long maxBytes;
    /**
     * Whether a record may be taken before Kafka confirmed it. Not for a cluster target: its checkpoints
     * are trusted only once its replicas confirmed them ({@code ClusterCheckpointedApplier.durable}), and
     * until then the change log must hold what follows the one a failover may bring back; a command
     * applied before Kafka holds it, by a worker that then dies, would be in neither.
     */
    private final boolean unconfirmed;
    private final ArrayDeque<Sent> kept = new ArrayDeque<>();
    private long bytes;
    private long nextSequence;
    private long dropped;

    public SentRecords(long maxBytes, boolean unconfirmed) {
        this.maxBytes = maxBytes;
        this.unconfirmed = unconfirmed;
    }

    /** A record just handed to Kafka. @return it as kept, for its confirmation; null when the bound left it out */
    synchronized Sent offer(ChangeBatch batch, long size) {
        long sequence = nextSequence++;
        if (bytes + size > maxBytes) {
            dropped++;
            notifyAll(); // a follower waiting for it turns to Kafka now
            return null;
        }
        Sent sent = new Sent(this, sequence, System.currentTimeMillis(), batch, size);
        kept.addLast(sent);
        bytes += size;
        notifyAll();
        return sent;
    }

    /**
     * The record sent right after {@code previous}, taken out, or null: none within {@code wait}, or it was
     * not kept ({@link #lacksAfter}). Records up to {@code previous} are dropped. Where records must be
     * confirmed first, it is taken once Kafka put it right after {@code previous} (else {@link #lacksAfter}).
     */
    synchronized Sent takeAfter(Sent previous, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            while (!kept.isEmpty() && kept.peekFirst().sequence() <= previous.sequence()) {
                bytes -= kept.pollFirst().bytes;
            }
            Sent head = kept.peekFirst();
            if (head != null && head.sequence() != previous.sequence() + 1) {
                return null;
            }
            if (head != null && unconfirmed) {
                return take();
            }
            if (head != null && head.kafkaOffset() >= 0) {
                return head.kafkaOffset() == previous.kafkaOffset() + 1 ? take() : null;
            }
            if (head != null) { // not confirmed yet: its confirmation wakes this wait
                if (!await(deadline)) {
                    return null;
                }
                continue;
            }
            if (nextSequence > previous.sequence() + 1 || !await(deadline)) {
                return null;
            }
        }
    }

    /**
     * Whether the record sent right after {@code previous} was sent and is not here, or (confirmed records
     * only) Kafka put another record between them: it is read from Kafka.
     */
    synchronized boolean lacksAfter(Sent previous) {
        Sent head = kept.peekFirst();
        if (head != null && head.sequence() == previous.sequence() + 1) {
            return !unconfirmed && head.kafkaOffset() >= 0 && head.kafkaOffset() != previous.kafkaOffset() + 1;
        }
        return nextSequence > previous.sequence() + 1;
    }

    /**
     * The record Kafka confirmed at {@code kafkaOffset}, taken out, or null: none within {@code wait}, or
     * the oldest kept is later (a gap: Kafka holds it). Records Kafka put before it are dropped; one not
     * confirmed yet is waited for (within {@code wait}): where it lands decides.
     */
    synchronized Sent takeAt(long kafkaOffset, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Sent head = kept.peekFirst();
            if (head == null) {
                if (!await(deadline)) {
                    return null;
                }
                continue;
            }
            long offset = head.kafkaOffset();
            if (offset < 0) { // its confirmation wakes this wait too
                if (!await(deadline)) {
                    return null;
                }
                continue;
            }
            if (offset < kafkaOffset) {
                bytes -= kept.pollFirst().bytes;
                continue;
            }
            return offset == kafkaOffset ? take() : null;
        }
    }

    private Sent take() {
        Sent head = kept.pollFirst();
        bytes -= head.bytes;
        return head;
    }

    /** Waits for an offer or a confirmation until {@code deadline}. @return false when the time is up */
    private boolean await(long deadline) {
        return waitOn(this, deadline);
    }

    /**
     * One wait on {@code monitor} (whose lock the caller holds) until notified or {@code deadline} ({@link
     * System#nanoTime}). @return false when the time is up or the thread was interrupted (its flag kept)
     */
    private static boolean waitOn(Object monitor, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            TimeUnit.NANOSECONDS.timedWait(monitor, left);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
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

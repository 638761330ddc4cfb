package dev.redismigrate.worker.changelog;

import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The stream's reader: a migration's change log in source order, one batch per Kafka record. An
 * entry is a captured command as the source sent it: the db selected when it came (-1: unchanged)
 * and the source offset once it is applied; routing it to the target (key filters, db_map, slots)
 * is the applier's. A batch ends at its record's {@link End}.
 */
public final class ChangeLogEntryReader implements EntryReader<ChangeLogEntryReader.End> {

    /**
     * Where a batch ends: its record's Kafka offset (what {@link ChangeLog#trimBefore} takes; -1 while Kafka
     * has not confirmed a record taken as it was sent, see {@link SentRecords}), the source offset of its last
     * command, the replication history its commands belong to, and when it was appended (how old the
     * apply's work is). A class, not a record: the Kafka offset is read when asked, so two ends are not
     * equal by their fields.
     */
    public static final class End {
        private final LongSupplier kafkaOffsetOnceConfirmed;
        private final long sourceOffset;
        private final String replId;
        private final long appendedAtMillis;
        private final long startOffset;

        public End(LongSupplier kafkaOffsetOnceConfirmed, long sourceOffset, String replId, long appendedAtMillis) {
            this(kafkaOffsetOnceConfirmed, sourceOffset, replId, appendedAtMillis, -1);
        }

        public End(LongSupplier kafkaOffsetOnceConfirmed, long sourceOffset, String replId, long appendedAtMillis,
                long startOffset) {
            this.kafkaOffsetOnceConfirmed = kafkaOffsetOnceConfirmed;
            this.sourceOffset = sourceOffset;
            this.replId = replId;
            this.appendedAtMillis = appendedAtMillis;
            this.startOffset = startOffset;
        }

        /** The source offset its record continues from (-1: unknown; see {@link ChangeBatch#start}). */
        public long startOffset() {
            return startOffset;
        }

        /** Its record's Kafka offset, or -1 while Kafka has not confirmed it. */
        public long kafkaOffset() {
            return kafkaOffsetOnceConfirmed.getAsLong();
        }

        public long sourceOffset() {
            return sourceOffset;
        }

        public String replId() {
            return replId;
        }

        public long appendedAtMillis() {
            return appendedAtMillis;
        }

        @Override
        public String toString() {
            return "End[kafkaOffset=" + kafkaOffset() + ", sourceOffset=" + sourceOffset + ", replId=" + replId + "]";
        }
    }

    private final ChangeLogReader log;
    /** the records this task's capture sent, or null: everything is read from Kafka */
    private final SentRecords sent;
    /** records polled but not yet yielded */
    private final Deque<ChangeLogReader.Record> polled = new ArrayDeque<>();
    /** the Kafka offset of the next record to read from Kafka; -1 while not known (from the start or a rewind until Kafka says) */
    private long next = -1;
    /**
     * The last record taken from memory while following the capture there (null: not following): the next
     * one is the record sent right after it, confirmed by Kafka or not. Only this task's capture sends what
     * is kept, each record continuing its previous in the source's history, so another capture's records in
     * Kafka meanwhile (an older attempt's) hold nothing the apply lacks.
     */
    private SentRecords.Sent following;
    /** whether Kafka held nothing beyond {@link #next} when last asked, or a record came from memory: wait on memory */
    private boolean caughtUp;
    /** records were taken from memory since the last poll: the consumer's position lags behind {@link #next} */
    private boolean consumerBehind;
    /** a Kafka offset to read on from, asked by another thread (-1: none; see {@link #readAgainFrom}) */
    private volatile long readAgainFrom = -1;

    public ChangeLogEntryReader(ChangeLogReader log) {
        this(log, null);
    }

    /** @param sent the records this task's own capture appends, as they are sent (see {@link SentRecords}) */
    public ChangeLogEntryReader(ChangeLogReader log, SentRecords sent) {
        this.log = log;
        this.sent = sent;
    }

    @Override
    public EntryBatch<End> next(Duration wait) {
        long from = readAgainFrom;
        if (from >= 0) {
            readFrom(from);
        }
        ChangeLogReader.Record record = polled.poll();
        if (record == null && following != null) {
            SentRecords.Sent taken = sent.takeAfter(following, wait);
            if (taken != null) {
                following = taken;
                return batchOf(taken);
            }
            if (!sent.lacksAfter(following)) {
                return EntryBatch.empty(); // nothing sent since
            }
            // memory left the next one out (its bound: the apply lags): Kafka from after the last one taken
            long offset = following.awaitKafkaOffset(wait);
            if (offset < 0) {
                return EntryBatch.empty(); // not confirmed yet: asked again
            }
            next = offset + 1;
            following = null;
            caughtUp = false;
        } else if (record == null && sent != null && next >= 0) {
            // caught up: the record Kafka confirmed at the next offset, where it arrives first (then the records sent
            // after it, see following); else (a gap, or records still in Kafka only) Kafka
            SentRecords.Sent taken = sent.takeAt(next, caughtUp ? wait : Duration.ZERO);
            if (taken != null) {
                following = taken;
                consumerBehind = true;
                caughtUp = true;
                return batchOf(taken);
            } else if (caughtUp && sent.isEmpty()) {
                wait = Duration.ZERO; // nothing came: only a look at Kafka (another capture's records)
            } else {
                caughtUp = false; // a gap: Kafka holds what memory does not
            }
        }
        if (record == null) {
            record = pollKafka(wait);
        }
        if (record == null) {
            return EntryBatch.empty();
        }
        next = record.kafkaOffset() + 1;
        long kafkaOffset = record.kafkaOffset();
        return batchOf(record.batch(), () -> kafkaOffset, record.appendedAtMillis());
    }

    private EntryBatch<End> batchOf(SentRecords.Sent taken) {
        return batchOf(taken.takeBatch(), taken::kafkaOffset, taken.sentAtMillis());
    }

    private static EntryBatch<End> batchOf(ChangeBatch batch, LongSupplier kafkaOffset, long appendedAtMillis) {
        List<Entry> entries = new ArrayList<>(batch.commands().size());
        for (CapturedCommand command : batch.commands()) {
            entries.add(new Entry(command.db(), command.argv(), command.endOffset()));
        }
        return new EntryBatch<>(entries, 0, new End(kafkaOffset, batch.last().endOffset(), batch.replId(), appendedAtMillis,
                batch.start()));
    }

    private ChangeLogReader.Record pollKafka(Duration wait) {
        if (consumerBehind) {
            log.seek(next);
            consumerBehind = false;
        }
        polled.addAll(log.poll(wait));
        ChangeLogReader.Record record = polled.poll();
        if (record == null && sent != null) {
            // nothing more in Kafka now: from here on the next record is awaited in memory
            if (next < 0) {
                next = log.position(Duration.ofMillis(500));
            }
            caughtUp = next >= 0;
        }
        return record;
    }

    /**
     * Whether the apply has everything the capture sent so far: nothing polled waits, and the next
     * record is awaited in memory where none is kept yet. Then an open batch may as well end now.
     */
    public boolean drained() {
        return polled.isEmpty() && caughtUp && (sent == null || sent.isEmpty());
    }

    /**
     * Reads from Kafka offset {@code offset} on at the next {@link #next} (any thread may ask): a record there
     * was not read ({@link ReadRecords#hole}). What it yields again the apply skips by its source offsets.
     */
    public void readAgainFrom(long offset) {
        readAgainFrom = offset;
    }

    /** Whether a {@link #readAgainFrom} waits for the next {@link #next}: what was yielded before it comes again. */
    public boolean readingAgain() {
        return readAgainFrom >= 0;
    }

    /** Reads again from the oldest record kept (the checkpoint moved back); what was polled is dropped. */
    public void rewind() {
        log.rewind();
        readFrom(-1);
    }

    /** Drops what was polled or followed: the next record is Kafka's at {@code offset} (-1: where the consumer is). */
    private void readFrom(long offset) {
        readAgainFrom = -1;
        polled.clear();
        next = offset;
        following = null;
        caughtUp = false;
        consumerBehind = offset >= 0; // the seek to it
    }

    @Override
    public void close() {
        log.close();
    }
}

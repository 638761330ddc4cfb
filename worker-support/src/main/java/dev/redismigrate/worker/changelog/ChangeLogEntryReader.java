package dev.redismigrate.worker.changelog;

import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The stream's reader: a migration's change log in source order, one batch per Kafka record. An
 * entry is a captured command as the source sent it: the db selected when it came (-1: unchanged)
 * and the source offset once it is applied; routing it to the target (key filters, db_map, slots)
 * is the applier's. A batch ends at its record's {@link End}.
 */
public final class ChangeLogEntryReader implements EntryReader<ChangeLogEntryReader.End> {

    /**
     * Where a batch ends: its record's Kafka offset (what {@link ChangeLog#trimBefore} takes), the
     * source offset of its last command, the replication history its commands belong to, and when
     * it was appended (how old the apply's work is).
     */
    public record End(long kafkaOffset, long sourceOffset, String replId, long appendedAtMillis) {
    }

    private final ChangeLogReader log;
    /** the records this task's capture had confirmed, or null: everything is read from Kafka */
    private final AckedRecords acked;
    /** records polled but not yet yielded */
    private final Deque<ChangeLogReader.Record> polled = new ArrayDeque<>();
    /** the Kafka offset of the next record to yield; -1 while not known (from the start or a rewind until Kafka says) */
    private long next = -1;
    /** whether Kafka held nothing beyond {@link #next} when last asked, or a record came from memory: wait on memory */
    private boolean caughtUp;
    /** records were taken from memory since the last poll: the consumer's position lags behind {@link #next} */
    private boolean consumerBehind;

    public ChangeLogEntryReader(ChangeLogReader log) {
        this(log, null);
    }

    /** @param acked the records this task's own capture appends as Kafka confirms them (see {@link AckedRecords}) */
    public ChangeLogEntryReader(ChangeLogReader log, AckedRecords acked) {
        this.log = log;
        this.acked = acked;
    }

    @Override
    public EntryBatch<End> next(Duration wait) {
        ChangeLogReader.Record record = polled.poll();
        if (record == null && acked != null && next >= 0) {
            // caught up: wait for the next record where it arrives first; else (a gap, or records still in
            // Kafka only) take it from memory only if it is the very next one
            record = acked.take(next, caughtUp ? wait : Duration.ZERO);
            if (record != null) {
                consumerBehind = true;
                caughtUp = true;
            } else if (caughtUp && acked.isEmpty()) {
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
        ChangeBatch batch = record.batch();
        List<Entry> entries = new ArrayList<>(batch.commands().size());
        for (CapturedCommand command : batch.commands()) {
            entries.add(new Entry(command.db(), command.argv(), command.endOffset()));
        }
        return new EntryBatch<>(entries, 0,
                new End(record.kafkaOffset(), batch.last().endOffset(), batch.replId(), record.appendedAtMillis()));
    }

    private ChangeLogReader.Record pollKafka(Duration wait) {
        if (consumerBehind) {
            log.seek(next);
            consumerBehind = false;
        }
        polled.addAll(log.poll(wait));
        ChangeLogReader.Record record = polled.poll();
        if (record == null && acked != null) {
            // nothing more in Kafka now: from here on the next record is awaited in memory
            if (next < 0) {
                next = log.position(Duration.ofMillis(500));
            }
            caughtUp = next >= 0;
        }
        return record;
    }

    /**
     * Whether the apply has everything the capture confirmed so far: nothing polled waits, and the next
     * record is awaited in memory where none is kept yet. Then an open batch may as well end now.
     */
    public boolean drained() {
        return polled.isEmpty() && caughtUp && (acked == null || acked.isEmpty());
    }

    /** Reads again from the oldest record kept (the checkpoint moved back); what was polled is dropped. */
    public void rewind() {
        polled.clear();
        log.rewind();
        next = -1;
        caughtUp = false;
        consumerBehind = false;
    }

    @Override
    public void close() {
        log.close();
    }
}

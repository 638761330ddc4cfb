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
    /** records polled but not yet yielded */
    private final Deque<ChangeLogReader.Record> polled = new ArrayDeque<>();

    public ChangeLogEntryReader(ChangeLogReader log) {
        this.log = log;
    }

    @Override
    public EntryBatch<End> next(Duration wait) {
        if (polled.isEmpty()) {
            polled.addAll(log.poll(wait));
        }
        ChangeLogReader.Record record = polled.poll();
        if (record == null) {
            return EntryBatch.empty();
        }
        ChangeBatch batch = record.batch();
        List<Entry> entries = new ArrayList<>(batch.commands().size());
        for (CapturedCommand command : batch.commands()) {
            entries.add(new Entry(command.db(), command.argv(), command.endOffset()));
        }
        return new EntryBatch<>(entries, 0,
                new End(record.kafkaOffset(), batch.last().endOffset(), batch.replId(), record.appendedAtMillis()));
    }

    /** Reads again from the oldest record kept (the checkpoint moved back); what was polled is dropped. */
    public void rewind() {
        polled.clear();
        log.rewind();
    }

    @Override
    public void close() {
        log.close();
    }
}

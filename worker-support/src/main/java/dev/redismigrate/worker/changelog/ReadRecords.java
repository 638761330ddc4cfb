package dev.redismigrate.worker.changelog;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The change-log records the apply has read, in the order it read them, and how far the log may be
 * trimmed behind what the target holds: up to the first record not wholly covered, not confirmed by Kafka
 * yet (taken as it was sent), or after a hole. A hole is a Kafka offset the apply never read: while it
 * follows its own capture in memory, another capture's record in between (an older attempt still alive)
 * is not read, and trimming past it could drop commands a rewind to an older checkpoint needs (that
 * capture's next record would then come first). The hole is reported ({@link #hole}) so the apply reads
 * the log again from there. After a rewind or such a read again, the first record read is where the
 * count starts anew: the log's oldest record may lie past the last trim here (another attempt trims too),
 * and the reader, told to read from a trimmed offset, starts at the oldest one kept (the consumer's
 * {@code auto.offset.reset=earliest}), so nothing it reads from there on is passed over.
 */
public final class ReadRecords {
    private final Deque<ChangeLogEntryReader.End> read = new ArrayDeque<>();
    /** the Kafka offset of the last record trimmed past (-1: none since the reading began) */
    private long lastTrimmed = -1;
    private long hole = -1;

    public void add(ChangeLogEntryReader.End end) {
        read.addLast(end);
    }

    /** Forgets what was read: it is read again (a rewind, or from a {@link #hole}), counted from its first record. */
    public void clear() {
        read.clear();
        lastTrimmed = -1;
        hole = -1;
    }

    /**
     * The Kafka offset before which every record was read and lies at or below {@code covered} (the source
     * offset the target holds durably), past the last such answer; -1 when the trim cannot move.
     */
    public long trimBefore(long covered) {
        long before = -1;
        while (!read.isEmpty()) {
            ChangeLogEntryReader.End end = read.peekFirst();
            long offset = end.kafkaOffset();
            if (offset < 0 || end.sourceOffset() > covered) {
                break;
            }
            if (lastTrimmed >= 0 && offset != lastTrimmed + 1) {
                hole = lastTrimmed + 1;
                break;
            }
            read.pollFirst();
            lastTrimmed = offset;
            before = offset + 1;
        }
        return before;
    }

    /** The first Kafka offset the apply did not read before one it read (-1: none): read the log again from there. */
    public long hole() {
        return hole;
    }
}

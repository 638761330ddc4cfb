package dev.redismigrate.worker.changelog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The stream's reader against the real Kafka that infra/test.sh starts, on topics of this test's own prefix. */
class ChangeLogEntryReaderTest {
    private static final ChangeLog LOG = new ChangeLog("127.0.0.1:19092", "worker-support-test.",
            new ChangeLogSettings(4096, 5, 8 << 20, 1 << 20));

    @Test
    void eachRecordIsABatchOfItsCommandsInSourceOrderEndingWhereItsLastCommandEnds() {
        UUID migration = UUID.randomUUID();
        LOG.ensure(migration);
        try {
            try (ChangeLogAppender appender = LOG.appender(migration)) {
                for (int i = 1; i <= 1000; i++) {
                    appender.append("replid", new CapturedCommand(i % 2 == 0 ? 3 : -1, argv("SET", "k" + i, "v"), 100L + i * 10));
                }
                appender.flush();
            }
            try (ChangeLogEntryReader reader = new ChangeLogEntryReader(LOG.reader(migration))) {
                List<EntryBatch<ChangeLogEntryReader.End>> batches = readAll(reader, 1000);
                assertTrue(batches.size() > 1 && batches.size() < 200, "many commands per record: " + batches.size());
                List<Entry> entries = new ArrayList<>();
                long kafkaOffset = -1;
                for (EntryBatch<ChangeLogEntryReader.End> batch : batches) {
                    ChangeLogEntryReader.End end = batch.end();
                    assertEquals("replid", end.replId());
                    assertTrue(end.kafkaOffset() > kafkaOffset, "records in Kafka's order");
                    kafkaOffset = end.kafkaOffset();
                    assertEquals(batch.entries().get(batch.entries().size() - 1).sourceOffset(), end.sourceOffset(),
                            "a batch ends where its last command ends");
                    assertTrue(end.appendedAtMillis() > 0);
                    assertEquals(0, batch.keys(), "commands, not keys");
                    entries.addAll(batch.entries());
                }
                assertEquals(1000, entries.size());
                for (int i = 1; i <= 1000; i++) {
                    Entry entry = entries.get(i - 1);
                    assertEquals(100L + i * 10, entry.sourceOffset());
                    assertEquals(i % 2 == 0 ? 3 : -1, entry.db(), "the db selected when it came, -1 when unchanged");
                    assertArrayEquals(argv("SET", "k" + i, "v")[1], entry.argv()[1]);
                }
                assertTrue(reader.next(Duration.ofMillis(200)).isEmpty(), "nothing more: an empty batch, the log goes on");
            }
        } finally {
            LOG.delete(migration);
        }
    }

    @Test
    void aRewindDropsWhatWasPolledAndReadsAgainFromTheOldestRecordKept() {
        UUID migration = UUID.randomUUID();
        LOG.ensure(migration);
        try {
            try (ChangeLogAppender appender = LOG.appender(migration)) {
                for (int i = 1; i <= 1000; i++) {
                    appender.append("replid", new CapturedCommand(0, argv("SET", "k" + i, "x".repeat(50)), i * 100L));
                }
                appender.flush();
            }
            try (ChangeLogEntryReader reader = new ChangeLogEntryReader(LOG.reader(migration))) {
                EntryBatch<ChangeLogEntryReader.End> first = firstBatch(reader);
                firstBatch(reader); // the second, so the reader has moved on
                reader.rewind();
                EntryBatch<ChangeLogEntryReader.End> again = firstBatch(reader);
                assertEquals(first.end().kafkaOffset(), again.end().kafkaOffset(), "the first record once more, not the rest of an earlier poll");
                assertEquals(first.end().sourceOffset(), again.end().sourceOffset());
                assertEquals(100L, again.entries().get(0).sourceOffset());
            }
        } finally {
            LOG.delete(migration);
        }
    }

    /**
     * Caught up, the capture's records are taken from memory (shown here by trimming them from Kafka
     * first: the reader still yields them); records memory did not keep (its bound) and another
     * appender's record in between are read from Kafka: every command once, in order.
     */
    @Test
    void aCaughtUpReaderTakesSentRecordsFromMemoryAndReadsWhatMemoryLacksFromKafka() {
        UUID migration = UUID.randomUUID();
        LOG.ensure(migration);
        try {
            SentRecords sent = new SentRecords(3 * 4096, true);
            try (ChangeLogAppender appender = LOG.appender(migration);
                 ChangeLogEntryReader reader = new ChangeLogEntryReader(LOG.reader(migration), sent)) {
                appender.keepSentIn(sent);
                assertTrue(reader.next(Duration.ofMillis(500)).isEmpty(), "an empty log: the reader is caught up");
                assertTrue(reader.drained(), "caught up, nothing kept: an open batch may end");
                for (int i = 1; i <= 3; i++) {
                    appender.append("replid", new CapturedCommand(0, argv("SET", "m" + i, "v"), i));
                    appender.flush(); // a record each
                }
                assertFalse(reader.drained(), "confirmed records wait in memory: the batch goes on");
                LOG.trimBefore(migration, LOG.endOffset(migration)); // gone from Kafka, kept in memory
                List<Entry> fromMemory = new ArrayList<>();
                for (EntryBatch<ChangeLogEntryReader.End> batch : readAll(reader, 3)) {
                    fromMemory.addAll(batch.entries());
                }
                assertEquals(List.of(1L, 2L, 3L), fromMemory.stream().map(Entry::sourceOffset).toList());
                assertTrue(reader.drained(), "all taken");

                // more than memory keeps, with another appender's record in the middle
                for (int i = 4; i <= 500; i++) {
                    appender.append("replid", new CapturedCommand(0, argv("SET", "k" + i, "x".repeat(100)), i));
                }
                appender.flush();
                try (ChangeLogAppender other = LOG.appender(migration)) {
                    other.append("replid", new CapturedCommand(0, argv("SET", "other", "v"), 501));
                    other.flush();
                }
                for (int i = 502; i <= 1000; i++) {
                    appender.append("replid", new CapturedCommand(0, argv("SET", "k" + i, "x".repeat(100)), i));
                }
                appender.flush();
                assertTrue(sent.dropped() > 0, "the bound was reached");
                List<Entry> rest = new ArrayList<>();
                long kafkaOffset = -1;
                for (EntryBatch<ChangeLogEntryReader.End> batch : readAll(reader, 997)) {
                    assertTrue(kafkaOffset < 0 || batch.end().kafkaOffset() == kafkaOffset + 1, "no record skipped or repeated");
                    kafkaOffset = batch.end().kafkaOffset();
                    rest.addAll(batch.entries());
                }
                assertEquals(997, rest.size());
                for (int i = 0; i < rest.size(); i++) {
                    assertEquals(4L + i, rest.get(i).sourceOffset());
                }
                assertTrue(reader.next(Duration.ofMillis(200)).isEmpty(), "nothing more");
            }
        } finally {
            LOG.delete(migration);
        }
    }

    private static EntryBatch<ChangeLogEntryReader.End> firstBatch(ChangeLogEntryReader reader) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            EntryBatch<ChangeLogEntryReader.End> batch = reader.next(Duration.ofMillis(200));
            assertNotNull(batch, "a log never ends");
            if (!batch.isEmpty()) {
                return batch;
            }
        }
        throw new AssertionError("no record within 30 s");
    }

    private static List<EntryBatch<ChangeLogEntryReader.End>> readAll(ChangeLogEntryReader reader, int commands) {
        List<EntryBatch<ChangeLogEntryReader.End>> batches = new ArrayList<>();
        int read = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (read < commands && System.nanoTime() < deadline) {
            EntryBatch<ChangeLogEntryReader.End> batch = reader.next(Duration.ofMillis(200));
            if (!batch.isEmpty()) {
                batches.add(batch);
                read += batch.entries().size();
            }
        }
        return batches;
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.US_ASCII);
        }
        return argv;
    }
}

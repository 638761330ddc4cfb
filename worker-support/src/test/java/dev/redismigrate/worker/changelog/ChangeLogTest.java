package dev.redismigrate.worker.changelog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Against the real Kafka that infra/test.sh starts, on topics of this test's own prefix. */
class ChangeLogTest {
    private static final ChangeLog LOG = new ChangeLog("127.0.0.1:19092", "worker-support-test.",
            new ChangeLogSettings(4096, 5, 8 << 20, 1 << 20));

    @Test
    void commandsComeBackInOrderInFewRecordsAndTheLogKnowsItsLastOne() {
        UUID migration = UUID.randomUUID();
        LOG.ensure(migration);
        try {
            assertNull(LOG.last(migration), "an empty log has no last command");
            try (ChangeLogAppender appender = LOG.appender(migration)) {
                for (int i = 1; i <= 2000; i++) {
                    appender.append("replid", new CapturedCommand(i % 3, argv("SET", "k" + i, "v" + i), 100L + i * 20));
                }
                appender.flush();
                assertEquals(100L + 2000 * 20, appender.captured().offset(), "Kafka confirmed everything");
            }
            List<CapturedCommand> read = readAll(migration, 2000);
            assertEquals(2000, read.size());
            for (int i = 1; i <= 2000; i++) {
                assertEquals(100L + i * 20, read.get(i - 1).endOffset());
                assertEquals("k" + i, new String(read.get(i - 1).argv()[1], StandardCharsets.US_ASCII));
            }
            long records = LOG.endOffset(migration);
            assertTrue(records < 200, "many commands per record: " + records + " records for 2000 commands");
            assertEquals(new ChangeLogPosition("replid", 100L + 2000 * 20, 2000 % 3), LOG.last(migration));
        } finally {
            LOG.delete(migration);
        }
    }

    /** Each record says where it continues from: the first, where the capture began; the next, the last command before it. */
    @Test
    void eachRecordContinuesFromTheCommandAppendedBeforeIt() {
        UUID migration = UUID.randomUUID();
        LOG.ensure(migration);
        try {
            try (ChangeLogAppender appender = LOG.appender(migration)) {
                appender.startsAt(100);
                for (int i = 1; i <= 600; i++) { // 4 KiB records: several
                    appender.append("replid", new CapturedCommand(0, argv("SET", "k" + i, "v".repeat(20)), 100L + i * 50));
                }
                appender.flush();
            }
            List<ChangeBatch> records = new ArrayList<>();
            try (ChangeLogReader reader = LOG.reader(migration)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (records.stream().mapToInt(b -> b.commands().size()).sum() < 600 && System.nanoTime() < deadline) {
                    reader.poll(Duration.ofMillis(200)).forEach(r -> records.add(r.batch()));
                }
            }
            assertTrue(records.size() > 2, records.size() + " records");
            assertEquals(100, records.get(0).start());
            for (int r = 1; r < records.size(); r++) {
                assertEquals(records.get(r - 1).last().endOffset(), records.get(r).start(), "record " + r);
            }
        } finally {
            LOG.delete(migration);
        }
    }

    @Test
    void trimmingMovesTheLowWatermarkAndResetEmptiesAndDeleteRemovesTheTopic() {
        UUID migration = UUID.randomUUID();
        LOG.ensure(migration);
        try (ChangeLogAppender appender = LOG.appender(migration)) {
            for (int i = 1; i <= 500; i++) {
                appender.append("replid", new CapturedCommand(0, argv("SET", "key" + i, "x".repeat(100)), i * 200L));
            }
            appender.flush();
        }
        long end = LOG.endOffset(migration);
        assertEquals(0, LOG.startOffset(migration));
        LOG.trimBefore(migration, end / 2);
        assertEquals(end / 2, LOG.startOffset(migration), "the applied half is gone");
        assertTrue(readAll(migration, 1).get(0).endOffset() > 200L, "reading starts after what was trimmed");

        LOG.reset(migration);
        assertEquals(LOG.endOffset(migration), LOG.startOffset(migration), "a new snapshot starts from an empty log");
        assertNull(LOG.last(migration));

        LOG.delete(migration);
        assertFalse(LOG.exists(migration), "the topic is gone once the migration ended");
    }

    private static List<CapturedCommand> readAll(UUID migration, int atLeast) {
        List<CapturedCommand> read = new ArrayList<>();
        try (ChangeLogReader reader = LOG.reader(migration)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.size() < atLeast && System.nanoTime() < deadline) {
                for (ChangeLogReader.Record r : reader.poll(Duration.ofMillis(200))) {
                    read.addAll(r.batch().commands());
                }
            }
        }
        return read;
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.US_ASCII);
        }
        return argv;
    }
}

package dev.redismigrate.snapshot.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    @Test
    void aReaderFollowsTheWriterAndEndsWhereTheFinishedSpoolEnds() throws Exception {
        byte[] data = new byte[3_000_000];
        new Random(1).nextBytes(data);
        try (Spool spool = new Spool(dir, 10_000_000)) {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = spool.reader()) {
                    return in.readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            for (int at = 0; at < data.length; at += 100_000) {
                byte[] part = java.util.Arrays.copyOfRange(data, at, Math.min(data.length, at + 100_000));
                spool.write(part, 0, part.length);
                Thread.sleep(2);
                assertFalse(read.isDone(), "the reader waits at the end while the writer is not done");
            }
            spool.write(new byte[] {1}, 0, 1); // a last byte that stays in the write buffer until finish
            spool.finish();
            byte[] got = read.get(10, TimeUnit.SECONDS);
            assertEquals(data.length + 1, got.length);
            assertArrayEquals(data, java.util.Arrays.copyOf(got, data.length));
        }
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the spool file is removed once closed");
        }
    }

    @Test
    void aReaderWaitingForMoreHearsWhyTheSpoolWillNotBeComplete() throws Exception {
        try (Spool spool = new Spool(dir, 1_000_000)) {
            spool.write(new byte[70_000], 0, 70_000);
            spool.publish();
            InputStream in = spool.reader();
            assertEquals(70_000, in.readNBytes(70_000).length);
            CompletableFuture<Void> failed = CompletableFuture.runAsync(() -> spool.fail("the source closed the replication link"));
            IOException e = assertThrows(IOException.class, () -> in.read(new byte[10]));
            assertTrue(e.getMessage().contains("closed the replication link"), e.getMessage());
            failed.get();
            in.close();
        }
    }

    @Test
    void writingPastTheBudgetIsRefusedWithTheSetting() throws Exception {
        try (Spool spool = new Spool(dir, 100)) {
            spool.write(new byte[60], 0, 60);
            IOException e = assertThrows(Spool.SpoolFullException.class, () -> spool.write(new byte[60], 0, 60));
            assertTrue(e.getMessage().contains("spool-budget"), e.getMessage());
        }
    }
}

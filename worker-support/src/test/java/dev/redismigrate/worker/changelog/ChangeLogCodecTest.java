package dev.redismigrate.worker.changelog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeLogCodecTest {

    @Test
    void aBatchComesBackAsItWasWithBinaryArgumentsAndLargeOffsets() {
        byte[] binary = {0, (byte) 0xff, '\r', '\n', 127, -128};
        byte[] big = new byte[300_000];
        big[299_999] = 7;
        List<CapturedCommand> commands = List.of(
                new CapturedCommand(-1, new byte[][] {ascii("SELECT"), ascii("0")}, 1L << 40),
                new CapturedCommand(0, new byte[][] {ascii("SET"), binary, big}, (1L << 40) + 350_000),
                new CapturedCommand(15, new byte[][] {ascii("PING")}, (1L << 40) + 350_014));
        ChangeBatch batch = new ChangeBatch("8f1bd1e3c0a94f4c8bb7a6a0c3c1d2e4f5a6b7c8", commands, (1L << 40) - 23);

        ChangeBatch decoded = ChangeLogCodec.decode(ChangeLogCodec.encode(batch));

        assertEquals(batch.replId(), decoded.replId());
        assertEquals((1L << 40) - 23, decoded.start(), "where the record continues from");
        assertEquals(3, decoded.commands().size());
        for (int i = 0; i < 3; i++) {
            CapturedCommand expected = commands.get(i);
            CapturedCommand actual = decoded.commands().get(i);
            assertEquals(expected.db(), actual.db());
            assertEquals(expected.endOffset(), actual.endOffset());
            assertEquals(expected.argv().length, actual.argv().length);
            for (int a = 0; a < expected.argv().length; a++) {
                assertArrayEquals(expected.argv()[a], actual.argv()[a]);
            }
        }
        assertEquals(decoded.commands().get(2), decoded.last());
    }

    /**
     * The start goes after the commands: a record without it (written before 12-07) reads as of an unknown start,
     * and a decoder of before 12-07, which stops after the commands, reads a record with it as it always did.
     */
    @Test
    void aRecordWithoutItsStartReadsAsUnknownAndTheStartComesLast() {
        ChangeBatch batch = new ChangeBatch("r", List.of(new CapturedCommand(0, new byte[][] {ascii("PING")}, 1000)), 986);
        byte[] record = ChangeLogCodec.encode(batch);
        byte[] unknownStart = ChangeLogCodec.encode(new ChangeBatch("r", batch.commands()));
        assertEquals(0, unknownStart[unknownStart.length - 1], "an unknown start is written as 0");
        byte[] older = java.util.Arrays.copyOf(unknownStart, unknownStart.length - 1);
        assertEquals(-1, ChangeLogCodec.decode(older).start());
        assertEquals(1000, ChangeLogCodec.decode(older).last().endOffset());
        assertArrayEquals(older, java.util.Arrays.copyOf(record, older.length), "the commands' bytes as before, the start after them");
    }

    @Test
    void aRecordOfAnotherVersionIsRefused() {
        byte[] record = ChangeLogCodec.encode(new ChangeBatch("r", List.of(new CapturedCommand(0, new byte[][] {ascii("PING")}, 1))));
        record[0] = 9;
        assertThrows(IllegalArgumentException.class, () -> ChangeLogCodec.decode(record));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

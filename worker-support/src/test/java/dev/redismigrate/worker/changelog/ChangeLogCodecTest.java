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
        ChangeBatch batch = new ChangeBatch("8f1bd1e3c0a94f4c8bb7a6a0c3c1d2e4f5a6b7c8", commands);

        ChangeBatch decoded = ChangeLogCodec.decode(ChangeLogCodec.encode(batch));

        assertEquals(batch.replId(), decoded.replId());
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

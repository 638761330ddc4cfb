package dev.redismigrate.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.moilioncircle.redis.replicator.util.CRC64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast checksum agrees with redis-replicator's on every length and offset (RESTORE checks it too). */
class DumpChecksumTest {
    @Test
    void agreesWithTheLibrarysChecksum() {
        Random random = new Random(3);
        byte[] data = new byte[5000];
        random.nextBytes(data);
        for (int length = 0; length <= 300; length++) {
            for (int offset : new int[] {0, 1, 7, 13}) {
                assertEquals(CRC64.crc64(data, offset, length), DumpChecksum.of(data, offset, length),
                        "length " + length + " from " + offset);
            }
        }
        assertEquals(CRC64.crc64(data, 3, 4990), DumpChecksum.of(data, 3, 4990));
    }
}

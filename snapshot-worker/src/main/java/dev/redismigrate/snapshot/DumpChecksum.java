package dev.redismigrate.snapshot;

import com.moilioncircle.redis.replicator.util.CRC64;

/**
 * The CRC64 that closes a DUMP payload (Redis's crc64, as {@link CRC64} of redis-replicator
 * computes it), eight bytes per step instead of one: the library's byte-at-a-time loop was a
 * quarter of the copy's CPU. Its tables are derived from the library's own, so both agree.
 */
final class DumpChecksum {
    private static final long[][] TABLES = new long[8][256];

    static {
        System.arraycopy(CRC64.LOOKUP_TABLE, 0, TABLES[0], 0, 256);
        for (int k = 1; k < 8; k++) {
            for (int n = 0; n < 256; n++) {
                long previous = TABLES[k - 1][n];
                TABLES[k][n] = (previous >>> 8) ^ TABLES[0][(int) (previous & 0xff)];
            }
        }
    }

    private DumpChecksum() {
    }

    /** The checksum of {@code length} bytes of {@code data} from {@code offset}. */
    static long of(byte[] data, int offset, int length) {
        long crc = 0;
        int i = offset;
        int end = offset + length;
        for (; i + 8 <= end; i += 8) {
            crc ^= (data[i] & 0xffL) | (data[i + 1] & 0xffL) << 8 | (data[i + 2] & 0xffL) << 16
                    | (data[i + 3] & 0xffL) << 24 | (data[i + 4] & 0xffL) << 32 | (data[i + 5] & 0xffL) << 40
                    | (data[i + 6] & 0xffL) << 48 | (data[i + 7] & 0xffL) << 56;
            crc = TABLES[7][(int) (crc & 0xff)] ^ TABLES[6][(int) ((crc >>> 8) & 0xff)]
                    ^ TABLES[5][(int) ((crc >>> 16) & 0xff)] ^ TABLES[4][(int) ((crc >>> 24) & 0xff)]
                    ^ TABLES[3][(int) ((crc >>> 32) & 0xff)] ^ TABLES[2][(int) ((crc >>> 40) & 0xff)]
                    ^ TABLES[1][(int) ((crc >>> 48) & 0xff)] ^ TABLES[0][(int) (crc >>> 56)];
        }
        for (; i < end; i++) {
            crc = (crc >>> 8) ^ TABLES[0][(int) ((crc ^ data[i]) & 0xff)];
        }
        return crc;
    }
}

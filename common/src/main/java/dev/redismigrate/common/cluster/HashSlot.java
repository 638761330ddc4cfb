package dev.redismigrate.common.cluster;

import java.nio.charset.StandardCharsets;
import org.redisson.connection.CRC16;

/**
 * The hash slot of a key as Redis Cluster computes it: CRC16 (XMODEM, Redisson's implementation) of
 * the key, or of its hash tag — the part between the first '{' and the next '}' when that part is
 * not empty — modulo 16384.
 */
public final class HashSlot {
    public static final int SLOTS = 16384;

    private HashSlot() {
    }

    public static int of(byte[] key) {
        int open = indexOf(key, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, (byte) '}', open + 1);
            if (close > open + 1) {
                byte[] tag = new byte[close - open - 1];
                System.arraycopy(key, open + 1, tag, 0, tag.length);
                return CRC16.crc16(tag) % SLOTS;
            }
        }
        return CRC16.crc16(key) % SLOTS;
    }

    public static int of(String key) {
        return of(key.getBytes(StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}

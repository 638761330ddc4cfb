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

    /** per slot, the shortest decimal hash tag in that slot (built once, ~160,000 CRC16s) */
    private static volatile String[] tags;

    /**
     * The shortest decimal number whose slot is {@code slot}: a key holding {@code {tag}} lands in
     * that slot, whoever serves it.
     */
    public static String tag(int slot) {
        String[] table = tags;
        if (table == null) {
            table = new String[SLOTS];
            int missing = SLOTS;
            for (int i = 0; missing > 0; i++) {
                String tag = Integer.toString(i);
                int s = of(tag);
                if (table[s] == null) {
                    table[s] = tag;
                    missing--;
                }
            }
            tags = table;
        }
        return table[slot];
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

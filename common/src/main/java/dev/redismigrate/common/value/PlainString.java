package dev.redismigrate.common.value;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The value of a string key read from its DUMP payload, when the payload holds it plainly (its
 * bytes as they are, or an integer): such a key can be written with a native SET or MSET, which the
 * target applies for less CPU than a RESTORE and which needs no checksum. Anything else (another
 * type, an LZF-compressed string, a payload that does not add up) gives null: RESTORE it.
 * <p>
 * A payload is the value in RDB encoding (type byte, length, bytes), the RDB version (2 bytes) and
 * a CRC64 (8 bytes), which is not checked here: the payloads come from a parsed RDB or from DUMP.
 */
public final class PlainString {
    private static final int RDB_TYPE_STRING = 0;
    /** the RDB version and the checksum after the value */
    private static final int TRAILER = 10;

    private PlainString() {
    }

    /** @return the string's bytes, or null when the payload is not a plain string */
    public static byte[] of(byte[] payload) {
        if (payload.length < 2 + TRAILER || payload[0] != RDB_TYPE_STRING) {
            return null;
        }
        int first = payload[1] & 0xff;
        int start;
        long length;
        switch (first >>> 6) {
            case 0 -> { // 6-bit length
                length = first & 0x3f;
                start = 2;
            }
            case 1 -> { // 14-bit length
                length = ((first & 0x3f) << 8) | (payload[2] & 0xff);
                start = 3;
            }
            case 2 -> { // 32- or 64-bit length, big-endian
                int bytes = first == 0x80 ? 4 : first == 0x81 ? 8 : 0;
                if (bytes == 0 || payload.length < 2 + bytes + TRAILER) {
                    return null;
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (payload[2 + i] & 0xff);
                }
                start = 2 + bytes;
            }
            default -> {
                return integer(payload, first & 0x3f);
            }
        }
        if (length < 0 || start + length + TRAILER != payload.length) {
            return null;
        }
        return Arrays.copyOfRange(payload, start, start + (int) length);
    }

    /** An integer stored in 1, 2 or 4 bytes (little-endian, signed), as the decimal text Redis gives for it. */
    private static byte[] integer(byte[] payload, int encoding) {
        int bytes = encoding == 0 ? 1 : encoding == 1 ? 2 : encoding == 2 ? 4 : 0; // 3 is LZF
        if (bytes == 0 || 2 + bytes + TRAILER != payload.length) {
            return null;
        }
        long value = 0;
        for (int i = bytes - 1; i >= 0; i--) {
            value = (value << 8) | (payload[2 + i] & 0xff);
        }
        int unused = 64 - 8 * bytes;
        value = value << unused >> unused; // sign-extend
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}

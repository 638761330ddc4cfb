package dev.redismigrate.common.contract;

import java.util.zip.CRC32;

/** How a split scan shares out the keys: each key belongs to exactly one part, whoever asks. */
public final class ScanParts {
    private ScanParts() {
    }

    public static int partOf(byte[] key, int parts) {
        if (parts <= 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(key);
        return (int) (crc.getValue() % parts);
    }
}

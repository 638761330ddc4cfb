package dev.redismigrate.api.migration;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.util.Arrays;

/**
 * A split scan's parts (scan method): in how many parts the scan runs (1: whole), each part's own
 * figures (index = part) and which parts completed (bit i = part i). Each part reports its own
 * totals, so a repeated report changes nothing; the migration's figures are their sums.
 */
@Embeddable
public class ScanPartProgress {
    /** Parts completed are kept as bits of a long: at most this many parts. */
    public static final int MAX_PARTS = 32;

    @Column(name = "scan_parts")
    int count = 1;
    @Column(name = "part_keys_copied")
    long[] keysCopied = new long[1];
    @Column(name = "part_keys_total")
    long[] keysTotal = new long[1];
    @Column(name = "part_bytes_copied")
    long[] bytesCopied = new long[1];
    @Column(name = "parts_completed")
    long completed;

    /** No part reported yet. */
    static ScanPartProgress of(int count) {
        ScanPartProgress p = new ScanPartProgress();
        p.count = count;
        p.reset();
        return p;
    }

    /** In how many parts the scan runs (1: whole). */
    public int count() {
        return count;
    }

    public boolean split() {
        return count > 1;
    }

    /** How many parts completed. */
    public int completed() {
        return Long.bitCount(completed);
    }

    void reset() {
        keysCopied = new long[count];
        keysTotal = new long[count];
        bytesCopied = new long[count];
        completed = 0;
    }

    /** A part's own totals; a figure it did not send stays as it was. */
    void report(int part, Long keys, Long total, Long bytes) {
        keysCopied = with(keysCopied, part, keys);
        keysTotal = with(keysTotal, part, total);
        bytesCopied = with(bytesCopied, part, bytes);
    }

    /** A copy with one figure changed: the field is assigned, never changed in place, so the change is seen. */
    private static long[] with(long[] figures, int part, Long value) {
        if (value == null) {
            return figures;
        }
        long[] changed = figures.clone();
        changed[part] = value;
        return changed;
    }

    /** @return whether every part has completed now */
    boolean complete(int part) {
        completed |= 1L << part;
        return completed() >= count;
    }

    long keysCopied() {
        return Arrays.stream(keysCopied).sum();
    }

    long keysTotal() {
        return Arrays.stream(keysTotal).sum();
    }

    long bytesCopied() {
        return Arrays.stream(bytesCopied).sum();
    }
}

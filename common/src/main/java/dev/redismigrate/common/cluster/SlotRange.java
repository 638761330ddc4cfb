package dev.redismigrate.common.cluster;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Slots {@code from} to {@code to}, both included. */
public record SlotRange(int from, int to) {
    public SlotRange {
        if (from < 0 || to >= HashSlot.SLOTS || from > to) {
            throw new IllegalArgumentException("no slot range: " + from + "-" + to);
        }
    }

    public boolean contains(int slot) {
        return slot >= from && slot <= to;
    }

    public int size() {
        return to - from + 1;
    }

    /** The set bits of {@code slots} as ascending ranges. */
    public static List<SlotRange> of(BitSet slots) {
        List<SlotRange> ranges = new ArrayList<>();
        for (int from = slots.nextSetBit(0); from >= 0 && from < HashSlot.SLOTS; ) {
            int end = slots.nextClearBit(from);
            ranges.add(new SlotRange(from, Math.min(end, HashSlot.SLOTS) - 1));
            from = slots.nextSetBit(end);
        }
        return ranges;
    }

    @Override
    public String toString() {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}

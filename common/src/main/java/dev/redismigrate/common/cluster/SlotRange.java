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

    /** The slots of "0-5460,6000" (as {@link #toString} joined by commas writes them). */
    public static BitSet parse(String ranges) {
        BitSet slots = new BitSet(HashSlot.SLOTS);
        for (String range : ranges.split(",")) {
            String[] ends = range.trim().split("-");
            int from = Integer.parseInt(ends[0]);
            SlotRange r = new SlotRange(from, ends.length == 1 ? from : Integer.parseInt(ends[1]));
            slots.set(r.from(), r.to() + 1);
        }
        return slots;
    }

    @Override
    public String toString() {
        return from == to ? Integer.toString(from) : from + "-" + to;
    }
}

package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.SlotRange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.Predicate;

/**
 * A {@code FLUSHALL} or {@code FLUSHDB} replicated from one master of a cluster source that has several
 * removed that shard's keys only, while the target holds every shard's: applied there as the deletion of
 * each key in the shard's slots, read page by page by {@code SCAN} on each target server that serves some of
 * them (a cluster master returns the keys of its own slots) and deleted by {@code DEL}, each page as the
 * applier writes (the standalone one in a fenced transaction, so that an older attempt still running
 * deletes nothing a newer one wrote). Only the shard's own stream writes keys of its slots, and it waits for
 * this, so nothing of the shard is written meanwhile; the other shards' streams write other slots.
 */
public final class ShardFlush {
    private static final byte[] SCAN = ascii("SCAN");
    private static final byte[] COUNT = ascii("COUNT");
    private static final byte[] PER_SCAN = ascii("1000");
    static final byte[] DEL = ascii("DEL");

    /** One server of the target as the applier reaches it (its connection, its waits, its fence). */
    interface Node {
        /** The reply of {@code argv} (a SCAN), waited for as the applier waits. */
        Object call(byte[][] argv);

        /** Deletes one page of keys (each key one {@code DEL}), confirmed before it returns. */
        void delete(List<byte[]> keys);
    }

    private ShardFlush() {
    }

    /**
     * The slots of a cluster source's shard whose flushes are narrowed to them; null for a standalone source
     * and for a cluster of one master (its flush is the whole source's), or when the slots are not known.
     * @param slots the shard's slots when the migration began ("0-5460,6000")
     */
    public static BitSet slotsOf(Integer shard, String slots) {
        if (shard == null || slots == null) {
            return null;
        }
        BitSet parsed = SlotRange.parse(slots);
        return parsed.cardinality() == HashSlot.SLOTS ? null : parsed;
    }

    /**
     * Deletes the node's keys (in the db its commands go to) that {@code doomed} selects.
     * @return how many keys were deleted
     */
    static long delete(Node node, Predicate<byte[]> doomed) {
        byte[] cursor = ascii("0");
        long deleted = 0;
        do {
            List<?> reply = (List<?>) node.call(new byte[][] {SCAN, cursor, COUNT, PER_SCAN});
            cursor = bytes(reply.get(0));
            List<byte[]> page = new ArrayList<>();
            for (Object key : (List<?>) reply.get(1)) {
                byte[] name = bytes(key);
                if (doomed.test(name)) {
                    page.add(name);
                }
            }
            if (!page.isEmpty()) {
                node.delete(page);
                deleted += page.size();
            }
        } while (!(cursor.length == 1 && cursor[0] == '0'));
        return deleted;
    }

    /** Keys of the shard's slots, but those {@code kept} (the migration's own checkpoints). */
    static Predicate<byte[]> inSlots(BitSet slots, Predicate<String> kept) {
        return key -> slots.get(HashSlot.of(key)) && !kept.test(new String(key, StandardCharsets.UTF_8));
    }

    private static byte[] bytes(Object reply) {
        return reply instanceof byte[] b ? b : String.valueOf(reply).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.redis.KeyDeleter;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.function.Predicate;

/**
 * A {@code FLUSHALL} or {@code FLUSHDB} replicated from one master of a cluster source that has several
 * removed that shard's keys only, while the target holds every shard's: applied there as the deletion of
 * each key in the shard's slots, read page by page ({@link KeyDeleter}: by {@code CLUSTER GETKEYSINSLOT} on
 * each master of a cluster target for the shard's slots it serves, by {@code SCAN} on a standalone target)
 * and deleted by {@code DEL}, each page as the applier writes (the standalone one in a fenced transaction,
 * so that an older attempt still running deletes nothing a newer one wrote). Only the shard's own stream
 * writes keys of its slots, and it waits for this, so nothing of the shard is written meanwhile; the other
 * shards' streams write other slots.
 */
public final class ShardFlush {
    static final byte[] DEL = "DEL".getBytes(StandardCharsets.US_ASCII);

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

    /** Keys of the shard's slots, but those {@code kept} (the migration's own checkpoints). */
    static Predicate<byte[]> inSlots(BitSet slots, Predicate<String> kept) {
        return key -> slots.get(HashSlot.of(key)) && !kept.test(new String(key, StandardCharsets.UTF_8));
    }
}

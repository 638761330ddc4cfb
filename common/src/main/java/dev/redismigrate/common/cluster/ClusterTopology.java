package dev.redismigrate.common.cluster;

import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every shard of a cluster, as one node described it, with a slot → shard index.
 *
 * @param shards those holding slots (a master without slots holds no data and is not a shard here)
 * @param discoveredBy which command answered: {@code CLUSTER SHARDS} or {@code CLUSTER SLOTS}
 */
public record ClusterTopology(List<ClusterShard> shards, String discoveredBy) {

    /** The shard serving {@code slot}, or null when no shard covers it. */
    public ClusterShard shardOf(int slot) {
        for (ClusterShard shard : shards) {
            for (SlotRange range : shard.slots()) {
                if (range.contains(slot)) {
                    return shard;
                }
            }
        }
        return null;
    }

    /** The master serving {@code slot}, or null (slot not covered, or its shard has no master). */
    public ClusterNode masterOf(int slot) {
        ClusterShard shard = shardOf(slot);
        return shard == null ? null : shard.master();
    }

    /** The slots no shard serves, as ranges; empty when all 16384 are covered. */
    public List<SlotRange> uncovered() {
        BitSet missing = new BitSet(HashSlot.SLOTS);
        missing.set(0, HashSlot.SLOTS);
        shards.forEach(s -> s.slots().forEach(r -> missing.clear(r.from(), r.to() + 1)));
        return SlotRange.of(missing);
    }

    public List<ClusterNode> masters() {
        return shards.stream().map(ClusterShard::master).filter(m -> m != null).toList();
    }

    /** Masters and replicas of every shard. */
    public List<ClusterNode> nodes() {
        return shards.stream().flatMap(s -> Stream.concat(Stream.ofNullable(s.master()), s.replicas().stream())).toList();
    }
}

package dev.redismigrate.common.cluster;

import java.util.BitSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One shard: the slots its master serves and the nodes holding its data.
 *
 * @param master null when the cluster lists the shard with no master (all its masters failed)
 */
public record ClusterShard(List<SlotRange> slots, ClusterNode master, List<ClusterNode> replicas) {

    /** Its slots that are also in {@code among}, as a set. */
    public BitSet slotsAmong(BitSet among) {
        BitSet served = new BitSet(HashSlot.SLOTS);
        slots.forEach(r -> served.set(r.from(), r.to() + 1));
        served.and(among);
        return served;
    }

    public int slotCount() {
        return slots.stream().mapToInt(SlotRange::size).sum();
    }

    /** "slots 0-5460: master 127.0.0.1:7001 (...), replicas 127.0.0.1:7004 (...)". */
    public String describe() {
        String ranges = slots.isEmpty() ? "no slots" : "slots " + slots.stream().map(SlotRange::toString)
                .collect(Collectors.joining(","));
        return ranges + ": master " + (master == null ? "none" : master.describe())
                + (replicas.isEmpty() ? ", no replica" : ", replicas " + replicas.stream().map(ClusterNode::describe)
                        .collect(Collectors.joining(", ")));
    }
}

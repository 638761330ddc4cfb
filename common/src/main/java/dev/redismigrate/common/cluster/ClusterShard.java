package dev.redismigrate.common.cluster;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One shard: the slots its master serves and the nodes holding its data.
 *
 * @param master null when the cluster lists the shard with no master (all its masters failed)
 */
public record ClusterShard(List<SlotRange> slots, ClusterNode master, List<ClusterNode> replicas) {

    /**
     * The shortest hash tag (a decimal number) whose slot this shard serves: a key holding
     * {@code {tag}} lands on this shard's master. The same topology always gives the same tag.
     */
    public String hashTag() {
        for (int i = 0; i < 10_000_000; i++) {
            String tag = Integer.toString(i);
            int slot = HashSlot.of(tag);
            if (slots.stream().anyMatch(r -> r.contains(slot))) {
                return tag;
            }
        }
        throw new IllegalStateException("no hash tag found for the shard serving " + slots);
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

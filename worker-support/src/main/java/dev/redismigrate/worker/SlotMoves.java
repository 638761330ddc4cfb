package dev.redismigrate.worker;

import dev.redismigrate.common.cluster.NodeSlots;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.util.BitSet;
import java.util.stream.Collectors;

/**
 * A slot migration (resharding) on a cluster source, told as the reason a migration ends: what a
 * shard's node says has moved since the migration began ({@code CLUSTER NODES}), and the words the
 * migration's {@code error} carries, whoever saw it first (the slot watch, or a shard's stream that
 * meets a key arriving by {@code MIGRATE}).
 */
public final class SlotMoves {
    private SlotMoves() {
    }

    /** What moved on the node {@code link} reaches, against the shard's {@code slots}; null while they stay put. */
    static String read(RedisLink link, BitSet slots) {
        return NodeSlots.parse(String.valueOf(link.call("CLUSTER", "NODES"))).movesFrom(slots);
    }

    /** Why the migration ends: {@code moves} seen on {@code node}, the shard {@code shard} of slots {@code slots}. */
    static String reason(RedisEndpoint node, int shard, BitSet slots, String moves) {
        return "a slot migration on the source, seen on " + node.address() + " (shard " + shard + ", slots "
                + SlotRange.of(slots).stream().map(SlotRange::toString).collect(Collectors.joining(",")) + "): "
                + moves + ". Keys moving between shards mid-migration could be lost or come back on the target, so the "
                + "migration ends here; start it again once the slots stay where they are";
    }

    /**
     * Why the migration ends when the shard's own stream carries a key of {@code slot} that another
     * shard handed over ({@code RESTORE-ASKING}, what {@code MIGRATE} sends an importing node): before
     * that restore is applied, since the other shard's delete of the key may not be yet. The node is
     * asked what else moved; one that does not answer leaves the slot alone named.
     */
    public static String keyImported(RedisConnector connector, RedisEndpoint node, int shard, String slots, int slot) {
        BitSet served = SlotRange.parse(slots);
        String moves = null;
        try (RedisLink link = connector.open(node, "redis-migrate-slot-watch")) {
            moves = read(link, served);
        } catch (RuntimeException e) {
            // the stream's own evidence is enough
        }
        String imported = "slot " + slot + " receiving keys by MIGRATE (RESTORE-ASKING in the shard's stream)";
        return reason(node, shard, served, moves == null ? imported : imported + "; " + moves);
    }
}

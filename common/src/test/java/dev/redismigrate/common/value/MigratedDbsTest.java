package dev.redismigrate.common.value;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A new copy of one source shard empties only that shard's slots on the target: the other shards'
 * keys and checkpoints stay, its own checkpoint goes.
 */
class MigratedDbsTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aShardsNewCopyEmptiesItsSlotsOnly() {
        UUID id = UUID.randomUUID();
        try (RedisServer target = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             RedisLink link = connector.open(new RedisEndpoint(target.host(), target.port(), null, null, false), "test")) {
            BitSet firstHalf = SlotRange.parse("0-8191");
            int inFirst = 0;
            for (int i = 0; i < 500; i++) {
                link.call("SET", "k" + i, "v");
                inFirst += firstHalf.get(HashSlot.of("k" + i)) ? 1 : 0;
            }
            for (int shard = 0; shard < 2; shard++) {
                link.call("SET", ShardNames.checkpointKey(id, shard), "1 r 1 0");
            }
            link.call("SELECT", 2);
            link.call("SET", "in-db2", "v"); // slot 2385 (first half), in an ignored db
            link.call("SELECT", 0);

            MigratedDbs.emptySlots(link, new MigratedKeys(Set.of(2), null), firstHalf, id, 0, Duration.ofSeconds(10));

            assertEquals(500 - inFirst + 1, (Long) link.call("DBSIZE"), "the other half's keys and shard 1's checkpoint");
            assertEquals(0L, link.call("EXISTS", ShardNames.checkpointKey(id, 0)));
            assertEquals(1L, link.call("EXISTS", ShardNames.checkpointKey(id, 1)));
            link.call("SELECT", 2);
            assertEquals(1L, link.call("EXISTS", "in-db2"));
        }
    }

    /**
     * The same on a cluster target: the keys of the shard's slots are found by CLUSTER GETKEYSINSLOT, a slot
     * read page by page (1,500 of its keys deleted), and a slot whose keys kept (another shard's checkpoint
     * prefix) fill a whole page still gives up the keys behind them.
     */
    @Test
    void aShardsNewCopyOnAClusterTargetEmptiesItsSlotsOnlyPageByPage() {
        UUID id = UUID.randomUUID();
        while (HashSlot.of(ShardNames.checkpointKey(id, 0)) < 8192) {
            id = UUID.randomUUID(); // the shard's checkpoint key outside its slots (the first half)
        }
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 1, 0);
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            RedisServer master = cluster.master(0);
            BitSet firstHalf = SlotRange.parse("0-8191");
            String full = "a"; // slot 15495: second half, outside
            String busy = "b"; // slot 3300: first half
            assertEquals(true, firstHalf.get(HashSlot.of("{" + busy + "}")));
            StringBuilder writes = new StringBuilder();
            for (int i = 0; i < 1_200; i++) {
                writes.append("SET ").append(ShardNames.CHECKPOINT_KEY_PREFIX).append("other{").append(busy).append("}").append(i).append(" v\n");
                writes.append("SET {").append(busy).append("}doomed").append(i).append(" v\n");
                writes.append("SET {").append(full).append("}kept").append(i).append(" v\n");
            }
            for (int i = 0; i < 300; i++) {
                writes.append("SET {").append(busy).append("}more").append(i).append(" v\n");
                writes.append("SET spread").append(i).append(" v\n");
            }
            writes.append("SET ").append(ShardNames.checkpointKey(id, 0)).append(" v\n");
            writes.append("SET ").append(ShardNames.checkpointKey(id, 1)).append(" v\n");
            master.cliPipe(writes.toString());
            int spreadInFirst = 0;
            for (int i = 0; i < 300; i++) {
                spreadInFirst += firstHalf.get(HashSlot.of("spread" + i)) ? 1 : 0;
            }

            MigratedDbs.emptyCluster(connector, new RedisEndpoint(master.host(), master.port(), null, null, false), List.of(),
                    new MigratedKeys(Set.of(), null), 0, 1, firstHalf, id, 0, Duration.ofSeconds(10));

            assertEquals(String.valueOf(1_200 + 1_200 + 300 - spreadInFirst + 1), master.cli("DBSIZE").trim(),
                    "kept: the other half's keys, the other shard's checkpoints and checkpoint key");
            assertEquals("1200", master.cli("CLUSTER", "COUNTKEYSINSLOT", String.valueOf(HashSlot.of("{" + busy + "}"))).trim(),
                    "the busy slot keeps only the other shard's checkpoints");
            assertEquals("0", master.cli("EXISTS", ShardNames.checkpointKey(id, 0)).trim());
            assertEquals("1", master.cli("EXISTS", ShardNames.checkpointKey(id, 1)).trim());
        }
    }

    /**
     * A new copy round after the cluster target's seed (the node its registration names) died: the topology
     * is read from a node a writer knew, and the masters that answer are emptied. Before 12-07 the round
     * read the seed only and failed.
     */
    @Test
    void aClusterTargetWhoseSeedIsGoneIsEmptiedThroughTheNodesLastKnown() {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 2, 1);
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(10), 1)) {
            // the registration names a replica (any node of a cluster may be named), which dies; the masters stay
            RedisServer seed = cluster.nodes().stream().filter(n -> n.cli("INFO", "replication").contains("role:slave"))
                    .findFirst().orElseThrow();
            for (int m = 0; m < 2; m++) {
                cluster.master(m).cliPipe("DEBUG POPULATE 200 key" + m + " 8\n");
            }
            RedisEndpoint registered = new RedisEndpoint(seed.host(), seed.port(), null, null, false);
            seed.kill();
            List<String> known = List.of("127.0.0.1:" + cluster.master(1).port(), "127.0.0.1:" + cluster.master(0).port());

            RuntimeException unreachable = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                    () -> MigratedDbs.emptyCluster(connector, registered, List.of(), new MigratedKeys(Set.of(), null), 0, 1,
                            null, UUID.randomUUID(), null, Duration.ofSeconds(5)));
            assertEquals(true, unreachable.getMessage().contains(registered.address()), unreachable.getMessage());

            MigratedDbs.emptyCluster(connector, registered, known, new MigratedKeys(Set.of(), null), 0, 1, null,
                    UUID.randomUUID(), null, Duration.ofSeconds(5));
            assertEquals("0", cluster.master(0).cli("DBSIZE").trim());
            assertEquals("0", cluster.master(1).cli("DBSIZE").trim());
        }
    }

    @Test
    void slotRangesAreReadAsWritten() {
        BitSet slots = SlotRange.parse("0-2,7,16383");
        assertEquals(5, slots.cardinality());
        assertEquals(SlotRange.of(slots).stream().map(SlotRange::toString).toList(), java.util.List.of("0-2", "7", "16383"));
    }
}

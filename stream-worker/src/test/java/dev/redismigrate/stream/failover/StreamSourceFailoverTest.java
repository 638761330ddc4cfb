package dev.redismigrate.stream.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.ShardMaster;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A shard's stream source across a `kill -9` of its master (real 3-shard cluster, one replica each:
 * a failover needs a majority of the masters):
 * the shard is found again by its slots on the promoted replica; a standalone source never moves.
 */
class StreamSourceFailoverTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aKilledMastersShardIsFoundOnItsPromotedReplica() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(5), 1)) {
            RedisServer master = cluster.master(1);
            RedisServer replica = cluster.nodes().get(4); // shard 1's replica
            RedisEndpoint masterAt = new RedisEndpoint("127.0.0.1", master.port(), null, null, false);
            StreamSource source;
            int slot;
            try (RedisLink link = connector.open(masterAt, "test")) {
                source = StreamSource.ofShard(connector, masterAt, link);
                slot = ShardMaster.of(connector, link, masterAt).slot();
            }
            // the other masters, as a handed-over stream's request lists the cluster's nodes
            List<RedisEndpoint> others = List.of(new RedisEndpoint("127.0.0.1", cluster.master(0).port(), null, null, false),
                    new RedisEndpoint("127.0.0.1", cluster.master(2).port(), null, null, false));
            assertEquals(masterAt, ShardMaster.current(connector, masterAt, others, slot), "alive and master: the one named");
            assertFalse(source.relocate(), "no failover yet: the master stays");
            assertTrue(source.masterOffset() >= 0);

            master.kill();
            // a failed election is tried again after twice the node timeout (5 s), then twice that: 60 s
            // leaves room for three (once, in a CI run, 40 s passed without the shard being found)
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            boolean moved = false;
            while (!moved && System.nanoTime() < deadline) {
                moved = source.relocate();
                Thread.sleep(200);
            }
            assertTrue(moved, () -> "the replica was promoted and found by the shard's slots; the replica's view:\n"
                    + replica.cli("CLUSTER", "NODES") + replica.cli("INFO", "replication")
                    + "another master's view:\n" + cluster.master(0).cli("CLUSTER", "NODES") + "the replica's log:\n" + failoverLog(replica));
            assertEquals("127.0.0.1:" + replica.port(), source.address());
            // a stream handed over meanwhile starts at the promoted replica, not at the master its request names
            assertEquals("127.0.0.1:" + replica.port(), ShardMaster.current(connector, masterAt, others, slot).address());
            long offset = source.masterOffset();
            assertTrue(offset >= 0, "the offset is read on the new master");
            assertTrue(replica.cli("INFO", "replication").contains("master_repl_offset:" + offset), "the promoted replica's");
            source.close();
        }
    }

    /** The lines of a node's log about the failure and the election. */
    private static String failoverLog(RedisServer node) {
        try {
            String dir = node.cli("CONFIG", "GET", "dir").lines().skip(1).findFirst().orElseThrow().trim();
            return String.join("\n", java.nio.file.Files.readAllLines(java.nio.file.Path.of(dir, "redis.log")).stream()
                    .filter(l -> l.contains("ailover") || l.contains("FAIL") || l.contains("lection") || l.contains("MASTER"))
                    .toList());
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void aStandaloneSourceNeverMovesAndItsLossIsThrownAsBefore() {
        RedisServer server = RedisServer.start();
        RedisEndpoint at = new RedisEndpoint("127.0.0.1", server.port(), null, null, false);
        try (RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(5), 1);
             RedisLink link = connector.open(at, "test");
             StreamSource source = StreamSource.fixed(connector, at, link)) {
            assertFalse(source.relocate());
            assertTrue(source.masterOffset() >= 0);
            server.kill();
            // its silence hands the stream over, as before the shards' failover
            assertThrows(RuntimeException.class, source::masterOffset);
        } finally {
            server.close();
        }
    }
}

package dev.redismigrate.stream.failover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
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
            try (RedisLink link = connector.open(masterAt, "test")) {
                source = StreamSource.ofShard(connector, masterAt, link);
            }
            assertFalse(source.relocate(), "no failover yet: the master stays");
            assertTrue(source.masterOffset() >= 0);

            master.kill();
            long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            boolean moved = false;
            while (!moved && System.nanoTime() < deadline) {
                moved = source.relocate();
                Thread.sleep(200);
            }
            assertTrue(moved, "the replica was promoted and found by the shard's slots");
            assertEquals("127.0.0.1:" + replica.port(), source.address());
            long offset = source.masterOffset();
            assertTrue(offset >= 0, "the offset is read on the new master");
            assertTrue(replica.cli("INFO", "replication").contains("master_repl_offset:" + offset), "the promoted replica's");
            source.close();
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

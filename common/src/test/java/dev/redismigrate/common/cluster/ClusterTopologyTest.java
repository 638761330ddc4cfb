package dev.redismigrate.common.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Discovery, slot coverage and reachability against real local clusters of Redis 7.0 and Valkey 8. */
class ClusterTopologyTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    static RedisConnector connector() {
        return new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(5), 1);
    }

    static RedisEndpoint at(RedisServer node) {
        return new RedisEndpoint(node.host(), node.port(), null, null, false);
    }

    @Test
    void threeShardsWithReplicasAreDiscoveredBySHARDSAndAgreeWithSLOTS() throws InterruptedException {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisConnector connector = connector()) {
            // seed: a replica, to show discovery does not need a master
            RedisServer seed = cluster.nodes().get(4);
            ClusterSurvey survey = ClusterSurvey.of(connector, at(seed), Map.of(), "test");
            ClusterTopology topology = survey.topology();
            assertEquals("CLUSTER SHARDS", topology.discoveredBy());
            assertEquals(3, topology.shards().size());
            assertEquals(List.of(), topology.uncovered());
            assertTrue(survey.complete(), survey.describe());
            for (int i = 0; i < 3; i++) {
                RedisServer master = cluster.master(i);
                int slot = 16384 * i / 3;
                ClusterShard shard = topology.shardOf(slot);
                assertEquals(master.port(), shard.master().port());
                assertEquals(RedisCluster.nodeId(master), shard.master().id());
                assertEquals(List.of(new SlotRange(16384 * i / 3, 16384 * (i + 1) / 3 - 1)), shard.slots());
                assertEquals(1, shard.replicas().size());
                assertEquals(cluster.nodes().get(3 + i).port(), shard.replicas().get(0).port());
                assertFalse(shard.replicas().get(0).master());
                assertEquals("online", shard.master().health());
                assertTrue(shard.master().replicationOffset() >= 0);
            }
            assertTrue(survey.describe().startsWith("3 shards (CLUSTER SHARDS): slots 0-5460: master 127.0.0.1:"
                    + cluster.master(0).port() + " (master, online, offset "), survey.describe());
            assertTrue(survey.describe().endsWith("; all 16384 slots covered; every node reachable with the credentials given"));

            try (RedisLink link = connector.open(at(seed), "test")) {
                NodeAddresses addresses = new NodeAddresses(at(seed), Map.of());
                // CLUSTER SLOTS leaves out replicas whose offset is still 0: a write to every shard first
                for (String key : List.of("a", "b", "c", "d", "e", "f")) {
                    cluster.cli("SET", key, "1");
                }
                ClusterTopology bySlots = null;
                for (int attempt = 0; attempt < 100; attempt++) {
                    bySlots = TopologyReader.fromSlots(link.call("CLUSTER", "SLOTS"), addresses, RedisCluster.nodeId(seed));
                    if (bySlots.nodes().size() == 6) {
                        break;
                    }
                    Thread.sleep(100);
                }
                assertEquals("CLUSTER SLOTS", bySlots.discoveredBy());
                assertEquals(masterSlots(topology), masterSlots(bySlots));
                assertEquals(Set.of(cluster.nodes().get(3).port(), cluster.nodes().get(4).port(), cluster.nodes().get(5).port()),
                        bySlots.shards().stream().flatMap(s -> s.replicas().stream()).map(ClusterNode::port)
                                .collect(Collectors.toSet()));
            }
        }
    }

    private static Map<Integer, List<SlotRange>> masterSlots(ClusterTopology t) {
        return t.shards().stream().collect(Collectors.toMap(s -> s.master().port(), ClusterShard::slots));
    }

    @Test
    void aValkeyClusterOfTwoShardsTakesSplitWritesThenLosesAMasterAndSlots() {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.VALKEY, 2, 0);
             RedisConnector connector = connector()) {
            ClusterSurvey whole = ClusterSurvey.of(connector, at(cluster.master(0)), Map.of(), "test");
            assertEquals(2, whole.topology().shards().size());
            assertTrue(whole.complete(), whole.describe());
            try (ClusterWriter writer = new ClusterWriter(connector, new NodeAddresses(at(cluster.master(1)), Map.of()),
                    1 << 16, Duration.ofSeconds(10), "test")) {
                writer.write(ClusterWriterTest.argv("MSET", "a", "1", "b", "2", "c", "3", "d", "4"));
                // a (slot 15495) and b (3300) are on the two shards
                writer.write(ClusterWriterTest.argv("DEL", "a", "b"));
                writer.flush();
            }
            assertEquals(List.of("", "", "3", "4"), List.of("a", "b", "c", "d").stream()
                    .map(k -> cluster.cli("GET", k).trim()).toList());
            assertTrue(Long.parseLong(cluster.master(0).cli("DBSIZE").trim()) > 0
                    && Long.parseLong(cluster.master(1).cli("DBSIZE").trim()) > 0, "both Valkey shards written to");

            cluster.master(0).cli("CLUSTER", "DELSLOTSRANGE", "100", "199");
            cluster.master(0).cli("CLUSTER", "DELSLOTS", "300");
            cluster.master(1).close();
            ClusterSurvey broken = ClusterSurvey.of(connector, at(cluster.master(0)), Map.of(), "test");
            assertEquals(List.of(new SlotRange(100, 199), new SlotRange(300, 300)), broken.topology().uncovered());
            assertEquals(List.of(cluster.master(1).port()), broken.unreachable().stream().map(u -> u.node().port()).toList());
            assertTrue(broken.describe().contains("slots not covered by any shard: 100-199,300 (101 of 16384)"),
                    broken.describe());
            assertTrue(broken.describe().contains("nodes unreachable with the credentials given: 127.0.0.1:"
                    + cluster.master(1).port() + " (cannot connect to"), broken.describe());
        }
    }

    @Test
    void aTranslationMapsAnAnnouncedAddressToAReachableOne() {
        NodeAddresses addresses = new NodeAddresses(new RedisEndpoint("entry.example", 6379, null, null, false),
                Map.of("10.0.0.7:6379", "nat.example:16379"));
        NodeAddresses.Chosen translated = addresses.choose("10.0.0.7", "10.0.0.7", 6379, false);
        assertEquals("nat.example:16379", translated.address());
        assertEquals("10.0.0.7:6379", translated.announced());
        assertEquals("entry.example:6379", addresses.choose("10.0.0.8", "10.0.0.8", 6379, true).address());
        assertEquals("10.0.0.9:6380", addresses.choose("?", "10.0.0.9", 6380, false).address());
        assertEquals("entry.example:6381", addresses.choose("", "", 6381, false).address());
    }
}

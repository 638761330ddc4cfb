package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scan method on a 3-shard Redis Cluster source with a replica per shard (every type, TTLs, bulk
 * keys, written to all along), over HTTP into a standalone server and into a 3-shard cluster, by two
 * instances of each worker: each shard's capture listens to its master's notifications, then its scan
 * reads the shard's replica where one is online (read-from-replica on: the scan's connection says
 * READONLY), else its master; GET shows three
 * shards syncing with their changed keys as lag; each target ends key by key equal (type, DEBUG
 * DIGEST-VALUE, expiry; on a cluster target each key on the master owning its slot) and `equal` by the
 * verifier.
 */
class ClusterScanFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(2, 2, Map.of("redis-migrate.migration.read-from-replica", "true"));

    @Test
    void aThreeShardClusterIntoAStandaloneTargetByScan() throws Exception {
        try (RedisCluster source = sourceCluster();
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            migrate(source, data, target, () -> ClusterKeys.of(RUN.connector().open(endpoint(target), "cluster-test")));
        }
    }

    @Test
    void aThreeShardClusterIntoAThreeShardClusterByScan() throws Exception {
        try (RedisCluster source = sourceCluster();
             RedisCluster target = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
             ClusterData data = new ClusterData(source)) {
            migrate(source, data, target.master(2), () -> keys(target));
        }
    }

    private static RedisCluster sourceCluster() {
        return RedisCluster.start(RedisServer.Family.REDIS, 3, 1, node -> new String[] {"--repl-diskless-sync-delay", "0"});
    }

    /** @param targetNode the node the target's registration names; {@code targetKeys} reads the whole target */
    private void migrate(RedisCluster source, ClusterData data, RedisServer targetNode, Supplier<Map<String, String>> targetKeys)
            throws Exception {
        data.seed(40, 3000);
        data.startWriting();
        MigrationService.Ids ids = RUN.service().migrate(source.master(1), targetNode, Map.of("method", "scan"));
        RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
        JsonPath syncing = RUN.service().onlineMigration(ids.database());
        assertEquals("scan", syncing.getString("method"), syncing.prettify());
        assertEquals(List.of(true, true, true), syncing.getList("shards.syncing"), syncing.prettify());
        for (int shard = 0; shard < 3; shard++) {
            assertEquals("127.0.0.1:" + source.master(shard).port(), syncing.getString("shards[" + shard + "].node"));
            // the scan read the shard's replica where the preflight found it online, else its master
            String read = syncing.getString("shards[" + shard + "].snapshot_node");
            RedisServer node = source.nodes().stream().filter(n -> read.equals("127.0.0.1:" + n.port())).findFirst().orElseThrow();
            int master = source.master(shard).port();
            assertTrue(node.port() == master || node.cli("INFO", "replication").contains("master_port:" + master),
                    read + " is shard " + shard + "'s master or its replica: " + syncing.prettify());
        }
        long roundsAtSync = data.rounds();
        Await.until(Duration.ofSeconds(30), () -> data.rounds() > roundsAtSync + 200, () -> "writes during the stream");
        data.stopWriting();

        Await.until(Duration.ofSeconds(60), () -> keys(source).equals(targetKeys.get()),
                () -> "key by key equal: " + ClusterKeys.differences(keys(source), targetKeys.get(), 10) + "; "
                        + RUN.service().onlineMigration(ids.database()).prettify());
        Map<String, String> migrated = keys(source);
        assertTrue(migrated.size() > 3000 + 40 * 12, "every type and the bulk keys: " + migrated.size());
        Await.until(Duration.ofSeconds(20), () -> RUN.service().onlineMigration(ids.database()).getBoolean("lag.ready_for_cutover"),
                () -> "ready for cut-over: " + RUN.service().onlineMigration(ids.database()).prettify());
        JsonPath caughtUp = RUN.service().onlineMigration(ids.database()); // each shard's changed keys, all copied
        assertEquals(List.of(0, 0, 0), caughtUp.getList("shards.lag.keys"), caughtUp.prettify());
        assertEquals(0, caughtUp.getInt("lag.keys"), caughtUp.prettify());

        JsonPath equal = RUN.service().verify(ids.migration());
        assertEquals("equal", equal.getString("verdict"), equal.prettify());

        // two instances of each worker: each got a shard to scan and a shard to capture
        String history = RUN.service().history(ids.migration());
        assertEquals(2, RUN.service().shardWorkers(ids.migration(), "snapshot started from").size(), history);
        assertEquals(2, RUN.service().shardWorkers(ids.migration(), "capture of changed keys started").size(), history);
        RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration())
                .then().statusCode(204);
    }

    /** Each key of the cluster, read on its slot's master. */
    private static Map<String, String> keys(RedisCluster cluster) {
        return ClusterKeys.of(cluster, m -> RUN.connector().open(endpoint(cluster.master(m)), "cluster-test"));
    }

    private static RedisEndpoint endpoint(RedisServer server) {
        return new RedisEndpoint(server.host(), server.port(), null, null, false);
    }
}

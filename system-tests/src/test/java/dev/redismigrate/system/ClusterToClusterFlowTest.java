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
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 3-shard Redis Cluster source with a replica per shard (every type, TTLs, bulk keys, written to
 * all along) migrated over HTTP into a 3-shard and into a 2-shard Redis Cluster target, by two
 * instances of each worker: each source shard its own unit of work, each of its slots'
 * checkpoints on the target master owning that slot. Whole-server digests cannot be compared across
 * shard counts, so each ends key by key equal (type, DEBUG DIGEST-VALUE, expiry, each key on the
 * target master owning its slot; TTLs within a second), `equal` by the service's verifier, equal again
 * after a FLUSHALL on one source master (its slots emptied, the others kept), and without a checkpoint on
 * any master once stopped.
 */
class ClusterToClusterFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(2, 2, Map.of());

    @Test
    void aThreeShardClusterIntoAThreeShardCluster() throws Exception {
        migrateInto(3);
    }

    @Test
    void aThreeShardClusterIntoATwoShardCluster() throws Exception {
        migrateInto(2);
    }

    private void migrateInto(int targetShards) throws Exception {
        try (RedisCluster source = RedisCluster.start(RedisServer.Family.REDIS, 3, 1, node -> new String[] {
                "--repl-diskless-sync-delay", "0"});
             RedisCluster target = RedisCluster.start(RedisServer.Family.REDIS, targetShards, 0);
             ClusterData data = new ClusterData(source)) {
            data.seed(40, 3000);
            data.startWriting();
            // each body names one node of its cluster, not the first
            MigrationService.Ids ids = RUN.service().migrate(source.master(1), target.master(targetShards - 1));
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            JsonPath syncing = RUN.service().onlineMigration(ids.database());
            assertEquals(List.of(true, true, true), syncing.getList("shards.syncing"), syncing.prettify());
            long roundsAtSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > roundsAtSync + 200, () -> "writes during the stream");
            data.stopWriting();

            Await.until(Duration.ofSeconds(60), () -> keys(source).equals(keys(target)),
                    () -> "key by key equal: " + ClusterKeys.differences(keys(source), keys(target), 10) + "; "
                            + RUN.service().onlineMigration(ids.database()).prettify());
            Map<String, String> migrated = keys(source);
            assertTrue(migrated.size() > 3000 + 40 * 12, "every type and the bulk keys: " + migrated.size());
            for (String key : new String[] {"seed:ttl:string:7", "seed:ttl:hash:3", "seed:ttl:zset:11", "live:ttl:3"}) {
                long sourceTtl = Long.parseLong(source.cli("PTTL", key).trim());
                long targetTtl = Long.parseLong(target.cli("PTTL", key).trim());
                assertTrue(sourceTtl > 0 && Math.abs(sourceTtl - targetTtl) <= 1000, key + ": " + sourceTtl + " vs " + targetTtl);
            }
            Await.until(Duration.ofSeconds(20), () -> RUN.service().onlineMigration(ids.database()).getBoolean("lag.ready_for_cutover"),
                    () -> "ready for cut-over: " + RUN.service().onlineMigration(ids.database()).prettify());

            JsonPath equal = RUN.service().verify(ids.migration());
            assertEquals("equal", equal.getString("verdict"), equal.prettify());
            assertEquals(data.keys(), equal.getLong("result.keys_checked"), equal.prettify());

            // two instances of each worker: each got a shard to copy and a shard to stream
            String history = RUN.service().history(ids.migration());
            assertEquals(2, RUN.service().shardWorkers(ids.migration(), "snapshot started from").size(), history);
            assertEquals(2, RUN.service().shardWorkers(ids.migration(), "stream started from").size(), history);

            // a FLUSHALL on one source master removed that shard's keys only: so does the target, whatever its shards
            source.master(1).cli("FLUSHALL");
            Await.until(Duration.ofSeconds(60), () -> keys(source).equals(keys(target)),
                    () -> "key by key equal after a FLUSHALL on source master 1: "
                            + ClusterKeys.differences(keys(source), keys(target), 10));
            migrated = keys(source);
            assertTrue(migrated.size() > 1000, "the other masters' keys: " + migrated.size());
            Thread.sleep(3_000); // a few progress reports: the idle watches have looked at the emptied slots
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));

            RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration())
                    .then().statusCode(204);
            assertEquals("canceled", RUN.service().onlineMigration(ids.database()).getString("status"));
            // every shard's stop moves its slots' checkpoints out of the target (into the checkpoint log)
            Await.until(Duration.ofSeconds(20), () -> checkpoints(target) == 0,
                    () -> "no checkpoint left on any master after the stop: " + checkpoints(target));
            assertEquals(migrated, keys(target), "the stop leaves the data");
            assertEquals(data.keys(), IntStream.range(0, targetShards).mapToLong(m -> dbsize(target.master(m))).sum(),
                    "key counts equal");
        }
    }

    /** Each key of the cluster, read on its slot's master. */
    private static Map<String, String> keys(RedisCluster cluster) {
        return ClusterKeys.of(cluster, m -> RUN.connector().open(new RedisEndpoint("127.0.0.1", cluster.master(m).port(), null, null,
                false), "cluster-test"));
    }

    private static long dbsize(RedisServer node) {
        return Long.parseLong(node.cli("DBSIZE").trim());
    }

    /** The migration's keys (checkpoints) on every master. */
    private static long checkpoints(RedisCluster cluster) {
        return IntStream.range(0, cluster.masters())
                .mapToLong(m -> cluster.master(m).cli("--scan", "--pattern", "redis-migrate:*").lines()
                        .filter(l -> !l.isBlank()).count())
                .sum();
    }
}

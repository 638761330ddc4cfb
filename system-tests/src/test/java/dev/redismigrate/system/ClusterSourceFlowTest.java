package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 3-shard Redis Cluster source with a replica per shard, every type and TTLs, written to all
 * along, migrated over HTTP (the PUT names one node) into a standalone target: one unit of work per
 * shard, shared by two stream-worker instances (each gets a shard); GET shows three shards syncing;
 * the target ends with every master's keys (their digests combined equal the target's), and the
 * verifier, reading every master, finds it equal, then an extra key on the target. A FLUSHALL on one
 * master empties its shard's slots on the target, the other shards' keys kept.
 */
class ClusterSourceFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(1, 2, Map.of());

    @Test
    void aThreeShardClusterIntoAStandaloneTargetShardByShard() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 1, node -> new String[] {
                "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(cluster)) {
            data.seed(40, 3000);
            MigrationService.Ids ids;
            data.startWriting();
            // the body names one node, not the first one
            ids = RUN.service().migrate(cluster.master(1), target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            JsonPath syncing = RUN.service().onlineMigration(ids.database());
            assertEquals(3, syncing.getList("shards").size(), syncing.prettify());
            assertEquals(List.of(true, true, true), syncing.getList("shards.syncing"), syncing.prettify());
            assertEquals("0-5460", syncing.getString("shards[0].slots"));
            for (int shard = 0; shard < 3; shard++) {
                assertEquals("127.0.0.1:" + cluster.master(shard).port(), syncing.getString("shards[" + shard + "].node"));
            }
            long roundsAtSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > roundsAtSync + 200, () -> "writes during the stream");
            data.stopWriting();

            Await.until(Duration.ofSeconds(60), () -> data.digest().equals(target.digest()),
                    () -> "digests equal: the masters' combined " + data.digest() + ", target " + target.digest()
                            + "; keys " + data.keys() + " vs " + target.cli("DBSIZE").trim());
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            assertEquals(data.keys(), Long.parseLong(target.cli("DBSIZE").trim()));
            for (String key : new String[] {"seed:ttl:string:7", "seed:ttl:hash:3", "seed:ttl:zset:11", "live:ttl:3"}) {
                long targetTtl = Long.parseLong(target.cli("PTTL", key).trim());
                assertTrue(targetTtl > 0, key + " keeps its TTL: " + targetTtl);
            }
            Await.until(Duration.ofSeconds(20), () -> RUN.service().onlineMigration(ids.database()).getBoolean("lag.ready_for_cutover"),
                    () -> "ready for cut-over: " + RUN.service().onlineMigration(ids.database()).prettify());
            JsonPath caughtUp = RUN.service().onlineMigration(ids.database());
            assertEquals(List.of(0, 0, 0), caughtUp.getList("shards.lag.bytes"), caughtUp.prettify());

            // the verifier reads every master, each for its slots
            JsonPath equal = RUN.service().verify(ids.migration());
            assertEquals("equal", equal.getString("verdict"), equal.prettify());
            assertEquals(data.keys(), equal.getLong("result.keys_checked"), equal.prettify());
            target.cli("SET", "only-on-target", "x"); // an extra key, whichever master owns its slot
            JsonPath different = RUN.service().verify(ids.migration());
            assertEquals("different", different.getString("verdict"), different.prettify());

            // each shard is its own unit of work: both stream-worker instances got one
            String history = RUN.service().history(ids.migration());
            Set<String> streamers = RUN.service().shardWorkers(ids.migration(), "stream started from");
            assertEquals(2, streamers.size(), "stream instances that got a shard: " + streamers + "; " + history);

            // a FLUSHALL on one master removed that shard's keys only: so does the target, the other shards' kept
            target.cli("DEL", "only-on-target");
            cluster.master(1).cli("FLUSHALL");
            Await.until(Duration.ofSeconds(60), () -> data.keys() == Long.parseLong(target.cli("DBSIZE").trim())
                            && data.digest().equals(target.digest()),
                    () -> "after a FLUSHALL on master 1: the masters' combined " + data.digest() + ", target " + target.digest()
                            + "; keys " + data.keys() + " vs " + target.cli("DBSIZE").trim() + "; " + ClusterKeys.differences(
                            ClusterKeys.of(cluster, m -> RUN.connector().open(new RedisEndpoint("127.0.0.1", cluster.master(m).port(),
                                    null, null, false), "cluster-test")),
                            ClusterKeys.of(RUN.connector().open(new RedisEndpoint("127.0.0.1", target.port(), null, null, false),
                                    "cluster-test")), 10));
            assertTrue(data.keys() > 0, "the other masters' keys are still there");
            Thread.sleep(3_000); // a few progress reports: the idle watches have looked at the emptied slots
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));

            RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration())
                    .then().statusCode(204);
            assertEquals("canceled", RUN.service().onlineMigration(ids.database()).getString("status"));
        }
    }
}

package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 3-shard cluster source with a replica per shard, written to all along, streaming into a standalone target:
 * `kill -9` of the stream-worker instance streaming shard 0 and, right after, of shard 0's master. Nobody
 * reported the promotion, so the hand-over's request names the dead master: the new attempt asks the cluster's
 * other nodes (the request's `cluster_nodes`) and starts at the promoted replica. GET names it as shard 0's node,
 * the migration is `syncing` again, and the target ends equal to the source key by key. Before 12-07 the new
 * attempt opened the dead master and the migration ended in `error`.
 */
class ClusterHandOverFailoverTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(MigrationService.with().streamWorkers(2)
            .api("redis-migrate.migration.worker-silence", "4s").api("redis-migrate.migration.silence-check", "1s")
            .quickTakeover());

    @Test
    void aShardsStreamHandedOverWhileItsMasterFailsOverStartsAtThePromotedReplica() throws Exception {
        try (RedisCluster source = RedisCluster.start(RedisServer.Family.REDIS, 3, 1);
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            data.seed(20, 1000);
            data.startWriting();
            MigrationService.Ids ids = RUN.service().migrate(source.master(1), target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            long atSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > atSync + 100, () -> "writes before the crash");

            ServiceProcess owner = RUN.service().shardReporter(ids.migration(), 0, "stream started", RUN.service().streamWorkers);
            RedisServer killed = source.master(0);
            RedisServer promoted = source.nodes().get(3); // shard 0's replica
            owner.kill();
            killed.kill();
            Await.until(Duration.ofSeconds(60), () -> promoted.cli("ROLE").startsWith("master"),
                    () -> "the replica promoted: " + promoted.cli("ROLE"));
            data.follow(0, promoted);

            String promotedAt = "127.0.0.1:" + promoted.port();
            Await.until(Duration.ofSeconds(90), () -> promotedAt.equals(RUN.service().onlineMigration(ids.database())
                    .getString("shards[0].node")), () -> "GET names the promoted replica as shard 0's node: "
                    + RUN.service().onlineMigration(ids.database()).prettify() + "; " + RUN.service().history(ids.migration()));
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            assertTrue(RUN.service().history(ids.migration()).contains("REASSIGNED"), RUN.service().history(ids.migration()));
            long atTakeover = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > atTakeover + 200, () -> "writes after the take-over");
            data.stopWriting();

            Await.until(Duration.ofSeconds(90), () -> keys(source, promoted).equals(targetKeys(target)),
                    () -> "key by key equal: " + ClusterKeys.differences(keys(source, promoted), targetKeys(target), 10)
                            + "; " + RUN.service().onlineMigration(ids.database()).prettify());
            assertTrue(keys(source, promoted).size() > 1000, "keys: " + keys(source, promoted).size());
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));
        }
    }

    /** The source's keys on its masters now (shard 0's is the promoted replica). */
    private static Map<String, String> keys(RedisCluster cluster, RedisServer promoted) {
        return ClusterKeys.afterShard0Failover(RUN.connector(), cluster, promoted);
    }

    private static Map<String, String> targetKeys(RedisServer target) {
        return ClusterKeys.of(RUN.connector(), target);
    }
}

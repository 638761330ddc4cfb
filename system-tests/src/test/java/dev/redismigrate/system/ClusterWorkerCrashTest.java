package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cluster to cluster (3 source shards into a 2-master target) while written to: `kill -9` of the
 * stream-worker instance streaming shard 0. The migration stays `syncing`; only the killed
 * instance's shards are handed over (each shard has its own attempt): they get a new attempt and the
 * other instance resumes them from their slots' checkpoints, while the surviving instance's shards
 * keep their attempt and their task. The target ends key by key equal, `equal` by the verifier.
 */
class ClusterWorkerCrashTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(MigrationService.with().streamWorkers(2)
            .api("redis-migrate.migration.worker-silence", "4s").api("redis-migrate.migration.silence-check", "1s")
            .quickTakeover());

    @Test
    void aStreamWorkerOwningAShardKilledMidStreamIsTakenOverAndEndsEqual() throws Exception {
        try (RedisCluster source = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
             RedisCluster target = RedisCluster.start(RedisServer.Family.REDIS, 2, 0);
             ClusterData data = new ClusterData(source)) {
            data.seed(20, 1000);
            data.startWriting();
            MigrationService.Ids ids = RUN.service().migrate(source.master(0), target.master(0));
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            long atSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > atSync + 100, () -> "writes before the crash");

            ServiceProcess owner = RUN.service().shardReporter(ids.migration(), 0, "stream started", RUN.service().streamWorkers);
            ServiceProcess survivor = RUN.service().streamWorkers.stream().filter(p -> p != owner).findFirst().orElseThrow();
            List<Integer> killedShards = new ArrayList<>();
            List<Integer> survivorShards = new ArrayList<>();
            for (int shard = 0; shard < 3; shard++) {
                (RUN.service().shardReporter(ids.migration(), shard, "stream started", RUN.service().streamWorkers) == owner
                        ? killedShards : survivorShards).add(shard);
            }
            List<Integer> attemptsBefore = RUN.service().onlineMigration(ids.database()).getList("shards.attempt", Integer.class);
            List<Long> startsBefore = new ArrayList<>();
            for (int shard = 0; shard < 3; shard++) {
                startsBefore.add(streamStarts(ids.migration(), shard));
            }
            owner.kill();
            Await.until(Duration.ofSeconds(60), () -> RUN.service().history(ids.migration()).contains("REASSIGNED"),
                    () -> "handed over: " + RUN.service().history(ids.migration()));
            for (int shard : killedShards) {
                Await.until(Duration.ofSeconds(60),
                        () -> RUN.service().shardReporter(ids.migration(), shard, "stream started", RUN.service().streamWorkers) == survivor,
                        () -> "shard " + shard + "'s stream started by the survivor: " + RUN.service().history(ids.migration()));
            }
            JsonPath after = RUN.service().onlineMigration(ids.database());
            assertEquals("syncing", after.getString("status"));
            for (int shard : killedShards) {
                assertTrue(after.getInt("shards[" + shard + "].attempt") > attemptsBefore.get(shard),
                        "shard " + shard + " handed over: " + after.prettify());
            }
            for (int shard : survivorShards) { // not handed over: the same attempt, its stream not started again
                assertEquals(attemptsBefore.get(shard), after.getInt("shards[" + shard + "].attempt"),
                        "shard " + shard + ": " + after.prettify());
                int s = shard;
                assertEquals(startsBefore.get(shard), streamStarts(ids.migration(), shard),
                        () -> "shard " + s + "'s stream not started again: " + RUN.service().history(ids.migration()));
            }
            long atTakeover = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > atTakeover + 200, () -> "writes after the take-over");
            data.stopWriting();

            Await.until(Duration.ofSeconds(60), () -> keys(source).equals(keys(target)),
                    () -> "key by key equal: " + ClusterKeys.differences(keys(source), keys(target), 10) + "; "
                            + RUN.service().onlineMigration(ids.database()).prettify());
            assertTrue(keys(source).size() > 1000, "keys: " + keys(source).size());
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));
            JsonPath equal = RUN.service().verify(ids.migration());
            assertEquals("equal", equal.getString("verdict"), equal.prettify());
        }
    }

    /** How often the history says the shard's stream started. */
    private static long streamStarts(String migrationId, int shard) {
        return RUN.service().http().get("/v2/migrations/{id}/events", migrationId).then().statusCode(200).extract().jsonPath()
                .getList("events.message", String.class).stream()
                .filter(m -> m != null && m.startsWith("shard " + shard + " ") && m.contains("): stream started")).count();
    }

    private static Map<String, String> keys(RedisCluster cluster) {
        return ClusterKeys.of(cluster, m -> RUN.connector().open(new RedisEndpoint("127.0.0.1", cluster.master(m).port(), null, null,
                false), "cluster-test"));
    }
}

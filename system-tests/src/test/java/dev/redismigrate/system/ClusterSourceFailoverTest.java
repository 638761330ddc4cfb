package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A 3-shard cluster source with a replica per shard, written to all along, streaming into a
 * standalone target: `kill -9` of shard 0's master; the cluster promotes its replica. The shard's
 * stream finds the new master by its slots and continues there (PSYNC with the old replication id;
 * should the new master refuse, that one shard is copied again). The other shards keep their
 * attempt (no full re-copy of them), GET names the promoted replica as shard 0's node, the migration
 * is `syncing` again, and the target ends equal to the source key by key.
 */
class ClusterSourceFailoverTest {
    @RegisterExtension
    // a copy whose source link broke retries its node this long before it fails (then a failover is looked for);
    // a snapshot worker's setting (given to api-service until 12-06, where it did nothing: the default 60 s held)
    static final ServiceRun RUN = ServiceRun.of(MigrationService.with().snapshotWorker("redis-migrate.snapshot.source-retry-for", "10s"));

    @Test
    void aSourceMasterKilledMidStreamIsFollowedToItsPromotedReplica() throws Exception {
        try (RedisCluster source = sourceCluster();
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            data.seed(20, 1000);
            data.startWriting();
            MigrationService.Ids ids = RUN.service().migrate(source.master(1), target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            long atSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > atSync + 100, () -> "writes before the failover");

            RedisServer killed = source.master(0);
            RedisServer promoted = source.nodes().get(3); // shard 0's replica
            killAndAwaitPromotion(killed, promoted, data);
            String promotedAt = "127.0.0.1:" + promoted.port();
            Await.until(Duration.ofSeconds(90), () -> promotedAt.equals(RUN.service().onlineMigration(ids.database())
                    .getString("shards[0].node")), () -> "GET names the promoted replica as shard 0's node: "
                    + RUN.service().onlineMigration(ids.database()).prettify() + "; " + RUN.service().history(ids.migration()));
            JsonPath after = syncingAndEqualAfterWrites(ids, source, data, promoted, target, Duration.ofSeconds(120));
            String history = RUN.service().history(ids.migration());
            assertTrue(history.contains("shard 0: its master moved from 127.0.0.1:" + killed.port() + " to " + promotedAt),
                    history);
            // how shard 0 went on: continued by offset (attempt 1), or, when the promoted replica lacked
            // what the stream had read, copied again alone (attempt 2)
            System.out.println("shard 0 after the failover: attempt " + after.getInt("shards[0].attempt") + "; history: "
                    + history);
        }
    }

    @Test
    void aSourceMasterKilledMidSnapshotHasThatShardCopiedAgainFromItsPromotedReplica() throws Exception {
        try (RedisCluster source = sourceCluster();
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            data.seed(20, 1000);
            data.startWriting();
            RedisServer killed = source.master(0);
            RedisServer promoted = source.nodes().get(3); // shard 0's replica
            // shard 0's RDB takes seconds (10 ms per key): the kill lands while it is being copied
            assertEquals("OK", killed.cli("CONFIG", "SET", "rdb-key-save-delay", "10000").trim());
            MigrationService.Ids ids = RUN.service().migrate(source.master(1), target);
            Await.until(Duration.ofSeconds(60), () -> RUN.service().history(ids.migration()).contains("shard 0 (slots 0-5460, master 127.0.0.1:"
                    + killed.port() + "): snapshot started"), () -> "shard 0's snapshot started: " + RUN.service().history(ids.migration()));
            Thread.sleep(500);
            assertEquals("running", RUN.service().onlineMigration(ids.database()).getString("status"), "still copying");
            killAndAwaitPromotion(killed, promoted, data);

            JsonPath after = syncingAndEqualAfterWrites(ids, source, data, promoted, target, Duration.ofSeconds(180));
            assertEquals("127.0.0.1:" + promoted.port(), after.getString("shards[0].node"), after.prettify());
            String history = RUN.service().history(ids.migration());
            assertTrue(history.contains("its master 127.0.0.1:" + killed.port() + " failed")
                    && history.contains("a new full snapshot of this shard only"), history);
        }
    }

    @Test
    void byScanASourceMasterKilledMidStreamHasThatShardCapturedAndScannedAgainFromItsPromotedReplica() throws Exception {
        try (RedisCluster source = sourceCluster();
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            data.seed(20, 1000);
            data.startWriting();
            MigrationService.Ids ids = RUN.service().migrate(source.master(1), target, Map.of("method", "scan"));
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            long atSync = data.rounds();
            Await.until(Duration.ofSeconds(30), () -> data.rounds() > atSync + 100, () -> "writes before the failover");
            RedisServer killed = source.master(0);
            RedisServer promoted = source.nodes().get(3); // shard 0's replica
            killAndAwaitPromotion(killed, promoted, data);
            Await.until(Duration.ofSeconds(120), () -> RUN.service().history(ids.migration())
                    .contains("a new full capture and scan of this shard only"), () -> "shard 0 captured and scanned again: "
                    + RUN.service().history(ids.migration()));

            JsonPath after = syncingAndEqualAfterWrites(ids, source, data, promoted, target, Duration.ofSeconds(180));
            assertEquals("127.0.0.1:" + promoted.port(), after.getString("shards[0].node"), after.prettify());
            assertEquals("scan", after.getString("method"));
            String history = RUN.service().history(ids.migration());
            assertTrue(history.contains("its master 127.0.0.1:" + killed.port() + " failed"), history);
        }
    }

    /** 3 masters with a replica each (the scan case ignores the diskless-sync setting). */
    private static RedisCluster sourceCluster() {
        return RedisCluster.start(RedisServer.Family.REDIS, 3, 1, node -> new String[] {
                "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
    }

    /** `kill -9` of shard 0's master; its replica promoted; the writer follows it. */
    private static void killAndAwaitPromotion(RedisServer killed, RedisServer promoted, ClusterData data) throws InterruptedException {
        killed.kill();
        Await.until(Duration.ofSeconds(60), () -> promoted.cli("ROLE").startsWith("master"),
                () -> "the replica promoted: " + promoted.cli("ROLE"));
        data.follow(0, promoted);
    }

    /**
     * After the failover: `syncing`, more writes, then the target equal to the source key by key, and
     * shards 1 and 2 copied once (attempt 1, one snapshot each). @return the migration as it stands
     */
    private static JsonPath syncingAndEqualAfterWrites(MigrationService.Ids ids, RedisCluster source, ClusterData data,
            RedisServer promoted, RedisServer target, Duration syncing) throws Exception {
        RUN.service().awaitStatus(ids, "syncing", syncing);
        long atSync = data.rounds();
        Await.until(Duration.ofSeconds(30), () -> data.rounds() > atSync + 200, () -> "writes after the failover");
        data.stopWriting();
        Await.until(Duration.ofSeconds(90), () -> keys(source, promoted).equals(targetKeys(target)),
                () -> "key by key equal: " + ClusterKeys.differences(keys(source, promoted), targetKeys(target), 10)
                        + "; " + RUN.service().onlineMigration(ids.database()).prettify());
        assertTrue(keys(source, promoted).size() > 1000, "keys: " + keys(source, promoted).size());

        JsonPath after = RUN.service().onlineMigration(ids.database());
        assertEquals("syncing", after.getString("status"), after.prettify());
        // no full re-copy of the other shards: they keep their first attempt
        assertEquals(List.of(1, 1), List.of(after.getInt("shards[1].attempt"), after.getInt("shards[2].attempt")),
                after.prettify());
        String history = RUN.service().history(ids.migration());
        List<String> messages = RUN.service().http().get("/v2/migrations/{id}/events", ids.migration()).then().statusCode(200)
                .extract().jsonPath().getList("events.message", String.class);
        for (int shard = 1; shard < 3; shard++) {
            String prefix = "shard " + shard + " ";
            assertTrue(messages.stream().noneMatch(m -> m != null && m.startsWith(prefix) && m.contains("new full snapshot")),
                    "shard " + shard + " was not copied again: " + history);
            assertEquals(1, messages.stream().filter(m -> m != null && m.startsWith(prefix) && m.contains("): snapshot started"))
                    .count(), "shard " + shard + " copied once: " + history);
        }
        return after;
    }

    /** The source's keys on its masters now (shard 0's is the promoted replica). */
    private static Map<String, String> keys(RedisCluster cluster, RedisServer promoted) {
        return ClusterKeys.afterShard0Failover(RUN.connector(), cluster, promoted);
    }

    private static Map<String, String> targetKeys(RedisServer target) {
        return ClusterKeys.of(RUN.connector(), target);
    }
}

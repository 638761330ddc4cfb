package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.HashSlot;
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
 * Complete a migration of a 3-shard cluster source at an exact point, by replication and by scan:
 * under a write load on every shard (one list per shard, appended 0, 1, 2, ...), every master's
 * writes are paused, each shard's apply reaches its master's offset (or has no changed key
 * pending), the migration is done and every master takes writes again. The target holds each list
 * as a prefix without a gap, and with the writes after the switch point cut off on the source, the
 * masters' combined digest equals the target's: one point of the whole cluster, not of one shard.
 */
class ClusterCompletionFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void byReplicationEveryMasterPausedAndEveryShardsOffsetReached() throws Exception {
        try (RedisCluster source = RedisCluster.start(RedisServer.Family.REDIS, 3, 0, node -> new String[] {
                "--enable-debug-command", "yes", "--repl-diskless-sync-delay", "0"});
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            completesExactly(source, data, target, Map.of(), Map.of("pause_source_writes", "20s", "verify", "full"),
                    "waiting for the apply to reach the source's offsets");
        }
    }

    @Test
    void byScanEveryMasterPausedAndNoChangedKeyPending() throws Exception {
        try (RedisCluster source = RedisCluster.start(RedisServer.Family.REDIS, 3, 0, node -> new String[] {
                "--enable-debug-command", "yes"});
             RedisServer target = RedisServer.start();
             ClusterData data = new ClusterData(source)) {
            completesExactly(source, data, target, Map.of("method", "scan"), Map.of("pause_source_writes", "20s"),
                    "waiting until no changed key is pending");
        }
    }

    private static void completesExactly(RedisCluster source, ClusterData data, RedisServer target, Map<String, Object> start,
            Map<String, Object> complete, String waiting) throws Exception {
        data.seed(20, 1000);
        data.startWriting();
        MigrationService.Ids ids = RUN.service().migrate(source.master(1), target, start);
        RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
        long rounds = data.rounds();
        Await.until(Duration.ofSeconds(30), () -> data.rounds() > rounds + 50, () -> "writes while syncing");
        data.stopWriting();

        List<String> lists = new ArrayList<>();
        List<ListAppender> loads = new ArrayList<>();
        try {
            for (int shard = 0; shard < source.masters(); shard++) {
                String key = listOf(source, shard);
                lists.add(key);
                loads.add(new ListAppender(source.master(shard), key));
            }
            for (ListAppender load : loads) {
                Await.until(Duration.ofSeconds(10), () -> load.appended() > 100, () -> "the load runs on every shard");
            }
            JsonPath begun = RUN.service().http().body(complete)
                    .post("/v2/databases/{id}/online-migration/{mid}/complete", ids.database(), ids.migration())
                    .then().statusCode(202).body("completion.step", equalTo("waiting_for_offset")).extract().jsonPath();
            assertEquals("syncing", begun.getString("status"));
            RUN.service().awaitStatus(ids, "done", Duration.ofSeconds(60));
            // every master takes writes again
            for (ListAppender load : loads) {
                long appended = load.appended();
                Await.until(Duration.ofSeconds(10), () -> load.appended() > appended + 100, () -> "every master takes writes again");
            }
        } finally {
            for (ListAppender load : loads) {
                load.close();
            }
        }
        String history = RUN.service().history(ids.migration());
        assertTrue(history.contains(waiting), history);
        assertTrue(history.contains("stopping the workers"), history);
        if (complete.containsKey("verify")) {
            assertTrue(history.contains("verifying (full)"), history);
        }

        // each shard's list on the target is a gap-free prefix of the source's: the rest came after the point
        for (int shard = 0; shard < lists.size(); shard++) {
            String key = lists.get(shard);
            RedisServer master = source.master(shard);
            long onTarget = Long.parseLong(target.cli("LLEN", key).trim());
            long onSource = Long.parseLong(master.cli("LLEN", key).trim());
            assertTrue(onTarget > 100 && onSource > onTarget, key + ": target " + onTarget + ", source " + onSource);
            assertEquals(Long.toString(onTarget - 1), target.cli("LINDEX", key, "-1").trim(), key + ": no gap");
            master.cli("LTRIM", key, "0", Long.toString(onTarget - 1));
        }
        Await.until(Duration.ofSeconds(20), () -> data.digest().equals(target.digest()),
                () -> "digest-equal once the writes after the switch point are cut off: the masters' combined " + data.digest()
                        + ", target " + target.digest() + "; keys " + data.keys() + " vs " + target.cli("DBSIZE").trim());
    }

    /** A key whose slot shard {@code shard}'s master serves. */
    private static String listOf(RedisCluster cluster, int shard) {
        for (int i = 0; ; i++) {
            String key = "live:appended:" + i;
            if (ClusterKeys.masterOf(cluster, HashSlot.of(key)) == shard) {
                return key;
            }
        }
    }
}

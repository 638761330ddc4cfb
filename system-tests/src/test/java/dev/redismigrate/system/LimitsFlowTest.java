package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * limits.keys_per_second end to end: a limited copy takes at least the time the limit allows (a lower
 * bound: a slow machine cannot make it fail), and a limit lifted by PATCH while it copies lets it end
 * long before the limited time.
 */
class LimitsFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    private static String start(RedisServer source, RedisServer target, long keysPerSecond) {
        String databaseId = RUN.service().http().body(Map.of("name", "target", "engine", "redis", "connection",
                        Map.of("host", target.host(), "port", target.port(), "ssl", false)))
                .post("/v2/databases").then().statusCode(201).extract().path("database.id");
        RUN.service().http().body(Map.of("source", Map.of("host", source.host(), "port", source.port()), "disable_ssl", true,
                        "ignore_dbs", List.of(), "limits", Map.of("keys_per_second", keysPerSecond)))
                .put("/v2/databases/{id}/online-migration", databaseId).then().statusCode(200)
                .body("limits.keys_per_second", equalTo((int) keysPerSecond));
        return databaseId;
    }

    private static void awaitSyncing(String databaseId, Duration timeout) throws InterruptedException {
        Await.until(timeout, () -> "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status")),
                () -> "syncing: " + RUN.service().onlineMigration(databaseId).prettify());
    }

    /** The copied keys (the stream's checkpoint key in the target is not one of them). */
    private static String bulkKeys(RedisServer target) {
        return target.cli("EVAL", "return #redis.call('KEYS', 'bulk:*')", "0").trim();
    }

    @Test
    void aReplicationCopyLimitedToNKeysPerSecondTakesAtLeastItsShare() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cli("DEBUG", "POPULATE", "3000", "bulk", "16");
            long started = System.nanoTime();
            String databaseId = start(source, target, 500);
            awaitSyncing(databaseId, Duration.ofSeconds(90));
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(millis >= 5_900, "3000 keys at 500 keys/s: 6 s at least, took " + millis + " ms");
            assertEquals("3000", bulkKeys(target));
        }
    }

    @Test
    void aScanCopyWhoseLimitIsLiftedByPatchEndsLongBeforeTheLimitedTime() throws Exception {
        try (RedisServer source = RedisServer.start("--rename-command", "PSYNC", "", "--rename-command", "SYNC", "");
             RedisServer target = RedisServer.start()) {
            source.cli("DEBUG", "POPULATE", "6000", "bulk", "16");
            long started = System.nanoTime();
            String databaseId = start(source, target, 200); // limited: 30 s
            String migrationId = RUN.service().onlineMigration(databaseId).getString("id");
            Await.until(Duration.ofSeconds(30), () -> RUN.service().onlineMigration(databaseId).getLong("progress.keys_copied") > 0,
                    () -> "the copy began");
            Thread.sleep(1_000);
            long copiedWhileLimited = RUN.service().onlineMigration(databaseId).getLong("progress.keys_copied");
            assertTrue(copiedWhileLimited < 3000, "limited to 200 keys/s: " + copiedWhileLimited);
            RUN.service().http().body(Map.of("limits", Map.of("keys_per_second", 0)))
                    .patch("/v2/databases/{id}/online-migration/{mid}", databaseId, migrationId)
                    .then().statusCode(200).body("limits.keys_per_second", equalTo(0));
            awaitSyncing(databaseId, Duration.ofSeconds(60));
            long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
            assertTrue(millis < 20_000, "lifted: well before the 30 s the limit allowed, took " + millis + " ms");
            assertEquals("6000", bulkKeys(target));
        }
    }
}

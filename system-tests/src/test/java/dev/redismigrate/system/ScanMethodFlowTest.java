package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The scan method end to end over HTTP: a source that refuses PSYNC (as managed services do) is
 * migrated by SCAN + DUMP, in two parts shared by two snapshot-worker instances, with its changes
 * captured from keyspace notifications, written to all along, until the target equals it; then
 * stopped. A stream worker killed while it captures costs a new copy, not a lost change.
 */
class ScanMethodFlowTest {
    // ~4,000 keys: two parts; a silent worker is replaced within seconds
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(MigrationService.with().snapshotWorkers(2).streamWorkers(2)
            .api("redis-migrate.migration.scan-keys-per-part", "2500").api("redis-migrate.migration.scan-max-parts", "2")
            .api("redis-migrate.migration.worker-silence", "8s").api("redis-migrate.migration.silence-check", "1s")
            .quickTakeover());

    @Test
    void aSourceWithoutPsyncIsCopiedByScanFollowedByItsNotificationsAndEqualAtTheEnd() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass", "--rename-command", "PSYNC", "",
                "--rename-command", "SYNC", "");
             RedisServer target = RedisServer.start()) {
            OnlineMigrationFlowTest.seed(source);
            String databaseId = register(target);
            String body = body(source);
            RUN.service().http().body(body).post("/v2/databases/{id}/online-migration/check", databaseId)
                    .then().statusCode(200).body("method", equalTo("scan")).body("ok", equalTo(true));

            String migrationId;
            try (SourceWriter writer = new SourceWriter(source)) {
                migrationId = RUN.service().http().body(body).put("/v2/databases/{id}/online-migration", databaseId)
                        .then().statusCode(200).body("method", equalTo("scan")).extract().path("id");
                Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status")),
                        () -> "migration syncing: " + RUN.service().onlineMigration(databaseId).prettify());
                long roundsAtSync = writer.rounds();
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > roundsAtSync + 200, () -> "writes while syncing");
            }

            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: source " + source.digest() + " target " + target.digest());
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            StreamState.assertSameStreams(source, target); // groups, consumers, pending entries: not in the digest
            for (String key : new String[] {"seed:ttl:string", "seed:ttl:hash", "live:ttl:3"}) {
                long sourceTtl = OnlineMigrationFlowTest.pttl(source, "1", key);
                long targetTtl = OnlineMigrationFlowTest.pttl(target, "1", key);
                assertTrue(sourceTtl > 0 && Math.abs(sourceTtl - targetTtl) <= 1000, key + ": " + sourceTtl + " vs " + targetTtl);
            }
            Await.until(Duration.ofSeconds(10), () -> RUN.service().onlineMigration(databaseId).getLong("lag.keys") == 0,
                    () -> "no changed key pending: " + RUN.service().onlineMigration(databaseId).prettify());
            JsonPath syncing = RUN.service().onlineMigration(databaseId);
            assertEquals("scan", syncing.getString("method"));
            assertTrue(syncing.getLong("progress.keys_copied") > 4000, syncing.prettify());
            assertTrue(syncing.getLong("commands_applied") > 0, "changed keys copied again: " + syncing.prettify());
            assertEquals(2, syncing.getInt("progress.parts"), syncing.prettify());
            assertEquals(2, syncing.getInt("progress.parts_completed"), syncing.prettify());

            RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", databaseId, migrationId).then().statusCode(204);
            assertEquals("canceled", RUN.service().onlineMigration(databaseId).getString("status"));
        }
    }

    @Test
    void aKilledCaptureIsAGapSoTheMigrationCopiesAgainAndEndsEqual() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass", "--rename-command", "PSYNC", "");
             RedisServer target = RedisServer.start()) {
            OnlineMigrationFlowTest.seed(source);
            String databaseId = register(target);
            try (SourceWriter writer = new SourceWriter(source)) {
                String migrationId = RUN.service().http().body(body(source)).put("/v2/databases/{id}/online-migration", databaseId)
                        .then().statusCode(200).extract().path("id");
                Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status")),
                        () -> "migration syncing: " + RUN.service().onlineMigration(databaseId).prettify());

                RUN.service().reporterOf(migrationId, "capture of changed keys started", RUN.service().streamWorkers).kill();
                long roundsAtKill = writer.rounds();
                Await.until(Duration.ofSeconds(120), () -> countOf(events(migrationId), "capture of changed keys started") == 2
                                && "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status")),
                        () -> "copied again and syncing: " + events(migrationId));
                assertTrue(events(migrationId).contains("REASSIGNED"), events(migrationId));
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > roundsAtKill + 200, () -> "writes meanwhile");
            }
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: source " + source.digest() + " target " + target.digest());
            StreamState.assertSameStreams(source, target);
        }
    }

    /**
     * A db without expiring keys when the scan's reads of it begin is read without a PTTL per key; expiries
     * set after that (on keys read since and on keys still to be read, by MGET without a PTTL) are changes
     * the capture copies again: every key ends with the source's expiry.
     */
    @Test
    void expiriesSetDuringTheScanOfADbThatHadNoneReachTheTarget() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass", "--rename-command", "PSYNC", "");
             RedisServer target = RedisServer.start()) {
            source.cliPipe("SELECT 2\nEVAL \"for i = 0, 3599 do if i % 6 == 0 then redis.call('HSET', 'k' .. i, 'f', i) "
                    + "else redis.call('SET', 'k' .. i, 'v' .. i) end end\" 0\n");
            source.cli("CONFIG", "RESETSTAT");
            String databaseId = register(target);
            String body = """
                    {"source": {"host": "127.0.0.1", "port": %d, "password": "source-pass"}, "disable_ssl": true,
                     "ignore_dbs": [], "limits": {"keys_per_second": 1000}}
                    """.formatted(source.port());
            RUN.service().http().body(body).put("/v2/databases/{id}/online-migration", databaseId).then().statusCode(200)
                    .body("method", equalTo("scan"));
            Await.until(Duration.ofSeconds(60), () -> figure(databaseId, "progress.keys_copied") > 0,
                    () -> "the scan under way: " + RUN.service().onlineMigration(databaseId).prettify());
            long copiedBefore = figure(databaseId, "progress.keys_copied");
            StringBuilder expiries = new StringBuilder("SELECT 2\n");
            for (int i = 0; i < 3600; i++) {
                expiries.append("PEXPIRE k").append(i).append(' ').append(600_000 + i).append('\n');
            }
            source.cliPipe(expiries.toString());
            assertTrue(copiedBefore < 3000, "keys left to read after the expiries were set: " + copiedBefore + " copied before");

            Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status"))
                            && figure(databaseId, "lag.keys") == 0,
                    () -> "syncing, no changed key pending: " + RUN.service().onlineMigration(databaseId).prettify());
            Await.until(Duration.ofSeconds(30), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: source " + source.digest() + " target " + target.digest());
            for (int i = 0; i < 3600; i += 7) {
                long sourceTtl = OnlineMigrationFlowTest.pttl(source, "2", "k" + i);
                long targetTtl = OnlineMigrationFlowTest.pttl(target, "2", "k" + i);
                assertTrue(sourceTtl > 0 && Math.abs(sourceTtl - targetTtl) <= 1000, "k" + i + ": " + sourceTtl + " vs " + targetTtl);
            }
        }
    }

    /** A figure of the migration's GET, -1 while it has none (before the first report) */
    private static long figure(String databaseId, String path) {
        Object value = RUN.service().onlineMigration(databaseId).get(path);
        return value == null ? -1 : ((Number) value).longValue();
    }

    private static String register(RedisServer target) {
        return RUN.service().http().body("""
                {"name": "scan-target", "engine": "redis", "connection": {"host": "127.0.0.1", "port": %d, "ssl": false}}
                """.formatted(target.port()))
                .post("/v2/databases").then().statusCode(201).extract().path("database.id");
    }

    private static String body(RedisServer source) {
        return """
                {"source": {"host": "127.0.0.1", "port": %d, "password": "source-pass"}, "disable_ssl": true, "ignore_dbs": []}
                """.formatted(source.port());
    }

    private static String events(String migrationId) {
        return RUN.service().http().get("/v2/migrations/{id}/events", migrationId).then().statusCode(200).extract().asString();
    }

    private static int countOf(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }
}

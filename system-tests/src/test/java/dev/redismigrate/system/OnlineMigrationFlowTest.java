package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The walking skeleton end to end over HTTP: register a target, PUT a migration of a live source,
 * watch it copy and then follow writes, find the target equal (DEBUG DIGEST), stop it, and find
 * the data kept and no longer followed.
 */
class OnlineMigrationFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void copiesEverythingFollowsWritesAndKeepsTheDataWhenStopped() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass");
             RedisServer target = RedisServer.start()) {
            seed(source);
            String databaseId = RUN.service().http().body("""
                    {"name": "target", "engine": "redis", "connection": {"host": "127.0.0.1", "port": %d, "ssl": false}}
                    """.formatted(target.port()))
                    .post("/v2/databases").then().statusCode(201).extract().path("database.id");

            String migrationId;
            try (SourceWriter writer = new SourceWriter(source)) {
                JsonPath started = RUN.service().http().body("""
                        {"source": {"host": "127.0.0.1", "port": %d, "dbname": "defaultdb", "username": "",
                                    "password": "source-pass"},
                         "disable_ssl": true, "ignore_dbs": []}
                        """.formatted(source.port()))
                        .put("/v2/databases/{id}/online-migration", databaseId)
                        .then().statusCode(200)
                        .body("id", notNullValue()).body("status", equalTo("running")).body("created_at", notNullValue())
                        .extract().jsonPath();
                migrationId = started.getString("id");
                assertFalse(started.prettify().contains("source-pass"), "no password in the answer");

                Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status")),
                        () -> "migration syncing: " + RUN.service().onlineMigration(databaseId).prettify());
                long roundsAtSync = writer.rounds();
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > roundsAtSync + 200, () -> "writes during the stream");
            }

            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: source " + source.digest() + " target " + target.digest());
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            StreamState.assertSameStreams(source, target); // groups, consumers, pending entries: not in the digest
            JsonPath caughtUp = RUN.service().onlineMigration(databaseId);
            assertTrue(caughtUp.getLong("progress.keys_copied") > 1000, caughtUp.prettify());
            for (String key : new String[] {"seed:ttl:string", "seed:ttl:hash", "seed:ttl:zset", "live:ttl:3"}) {
                long sourceTtl = pttl(source, "1", key);
                long targetTtl = pttl(target, "1", key);
                assertTrue(sourceTtl > 0 && Math.abs(sourceTtl - targetTtl) <= 1000, key + ": " + sourceTtl + " vs " + targetTtl);
            }
            Await.until(Duration.ofSeconds(10), () -> RUN.service().onlineMigration(databaseId).getLong("lag.bytes") == 0, () -> "lag 0");

            RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", databaseId, migrationId).then().statusCode(204);
            assertEquals("canceled", RUN.service().onlineMigration(databaseId).getString("status"));
            long keysKept = Long.parseLong(target.cli("DBSIZE").trim());
            // a stop closes the stream's replication link: the source has no replica left
            Await.until(Duration.ofSeconds(10), () -> source.cli("INFO", "replication").contains("connected_slaves:0"),
                    () -> "the stream's link closed after the stop: " + source.cli("INFO", "replication"));
            source.cli("SET", "after:stop", "not copied");
            Await.never(Duration.ofSeconds(2), () -> target.cli("EXISTS", "after:stop").trim().equals("1"),
                    () -> "a write after the stop reached the target");
            assertEquals(keysKept, Long.parseLong(target.cli("DBSIZE").trim()), "the target keeps what was copied");
            assertTrue(keysKept > 1000);
        }
    }

    /** Every type, with and without TTL, in db0 and db1, plus bulk keys. */
    static void seed(RedisServer source) {
        StringBuilder commands = new StringBuilder();
        for (int db : new int[] {0, 1}) {
            commands.append("SELECT ").append(db).append('\n').append(String.join("\n",
                    "SET seed:string hello", "SET seed:ttl:string bye PX 600000",
                    "SET seed:binary \"\\x00\\xff\\r\\n\"", "SET \"seed:key with spaces\" v",
                    "HSET seed:hash a 1 b 2", "HSET seed:ttl:hash a 1", "EXPIRE seed:ttl:hash 3600",
                    "RPUSH seed:list a b c", "RPUSH seed:ttl:list a", "EXPIRE seed:ttl:list 3600",
                    "SADD seed:set a b c", "SADD seed:intset 1 2 3", "SADD seed:ttl:set a", "EXPIRE seed:ttl:set 3600",
                    "ZADD seed:zset 1 a 2 b", "ZADD seed:ttl:zset 1 a", "EXPIRE seed:ttl:zset 3600",
                    "XADD seed:stream 1-1 f v", "XADD seed:stream 2-1 f w", "XGROUP CREATE seed:stream readers 0",
                    "XREADGROUP GROUP readers alice COUNT 1 STREAMS seed:stream >",
                    "XADD seed:ttl:stream 1-1 f v", "EXPIRE seed:ttl:stream 3600",
                    "PFADD seed:hll a b c", "SETBIT seed:bitmap 100 1", "")).append('\n');
            commands.append("DEBUG POPULATE 2000 bulk:").append(db).append(" 64\n");
        }
        source.cliPipe(commands.toString());
    }

    static long pttl(RedisServer server, String db, String key) {
        return Long.parseLong(server.cli("-n", db, "PTTL", key).trim());
    }
}

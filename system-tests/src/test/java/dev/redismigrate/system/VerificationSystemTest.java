package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Verification end to end: a migration (db2 left out) syncing under a steady write load verifies equal (keys
 * written to during the comparison are re-checked, not reported); a value changed on the target
 * behind the migration's back is then found, under "value", by key.
 */
class VerificationSystemTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void aSyncingMigrationVerifiesEqualAndATamperedTargetDifferent() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass");
             RedisServer target = RedisServer.start()) {
            OnlineMigrationFlowTest.seed(source);
            // db2 is left out: the source's keys there must not arrive, the target's must stay
            source.cli("-n", "2", "SET", "ignored:snapshot", "source");
            target.cli("-n", "2", "SET", "mine", "target");
            String databaseId = RUN.service().http().body("""
                    {"name": "target", "engine": "redis", "connection": {"host": "127.0.0.1", "port": %d, "ssl": false}}
                    """.formatted(target.port()))
                    .post("/v2/databases").then().statusCode(201).extract().path("database.id");
            // values change all along, the set of keys does not: then "every key" is a number known in advance
            try (SourceWriter writer = new SourceWriter(source, true)) {
                String migrationId = RUN.service().http().body("""
                        {"source": {"host": "127.0.0.1", "port": %d, "password": "source-pass"},
                         "disable_ssl": true, "ignore_dbs": ["db2"]}
                        """.formatted(source.port()))
                        .put("/v2/databases/{id}/online-migration", databaseId)
                        .then().statusCode(200).extract().path("id");
                Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(databaseId).getString("status")),
                        () -> "migration syncing: " + RUN.service().onlineMigration(databaseId).prettify());

                // the stream applies in order: once a later write to db0 is in, one to db2 would be too
                source.cli("-n", "2", "SET", "ignored:stream", "source");
                source.cli("SET", "seed:string", "after the write to db2");
                Await.until(Duration.ofSeconds(30), () -> target.cli("GET", "seed:string").trim().equals("after the write to db2"),
                        () -> "the write after db2's replayed");
                assertEquals("1", target.cli("-n", "2", "DBSIZE").trim(), "the ignored db2 holds only the target's key");
                assertEquals("target", target.cli("-n", "2", "GET", "mine").trim());
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > 60, () -> "every key of the writer made");
                long keys = dbsize(source, 0) + dbsize(source, 1);

                JsonPath equal = verify(migrationId, writer);
                assertEquals("equal", equal.getString("verdict"), equal.prettify());
                assertEquals(keys, dbsize(source, 0) + dbsize(source, 1), "the source's keys held still");
                assertEquals(2 * (2000 + 17 + 24), keys, "bulk, seed and writer keys (15 live:ttl:* a db) in db0 and db1");
                assertEquals(keys, equal.getLong("result.keys_checked"), "every key of db0 and db1 compared, once");
                for (String kind : List.of("missing", "extra", "type", "value", "ttl")) {
                    assertEquals(0, equal.getInt("result.mismatches." + kind + ".count"), kind + ": " + equal.prettify());
                }
                assertEquals(List.of(0, 1), equal.getList("result.keyspace.db"));
                assertFalse(equal.prettify().contains("source-pass"));

                target.cli("-n", "1", "SET", "seed:string", "changed behind the migration's back");
                JsonPath different = verify(migrationId, writer);
                assertEquals("different", different.getString("verdict"), different.prettify());
                assertEquals(1, different.getInt("result.mismatches.value.count"), different.prettify());
                assertEquals(Map.of("db", 1, "key", "seed:string"), different.getMap("result.mismatches.value.keys[0]"));
                for (String kind : List.of("missing", "extra", "type", "ttl")) {
                    assertEquals(0, different.getInt("result.mismatches." + kind + ".count"), kind + ": " + different.prettify());
                }
                assertEquals("syncing", RUN.service().onlineMigration(databaseId).getString("status"));
            }
        }
    }

    /** POST a full verification while the source is written to, and wait for its end. */
    private static JsonPath verify(String migrationId, SourceWriter writer) throws InterruptedException {
        String id = RUN.service().http().body("{\"mode\": \"full\"}").post("/v2/migrations/{id}/verify", migrationId)
                .then().statusCode(202)
                .body("id", notNullValue()).body("status", equalTo("running")).body("mode", equalTo("full"))
                .extract().path("id");
        long roundsAtStart = writer.rounds();
        Await.until(Duration.ofSeconds(60), () -> !"running".equals(latest(migrationId).getString("status")),
                () -> "verification done: " + latest(migrationId).prettify());
        JsonPath done = latest(migrationId);
        assertEquals(id, done.getString("id"));
        assertEquals("done", done.getString("status"), done.prettify());
        assertTrue(writer.rounds() > roundsAtStart, "the source was written to during the verification");
        return done;
    }

    private static long dbsize(RedisServer server, int db) {
        return Long.parseLong(server.cli("-n", Integer.toString(db), "DBSIZE").trim());
    }

    private static JsonPath latest(String migrationId) {
        return RUN.service().http().get("/v2/migrations/{id}/verify", migrationId).then().statusCode(200).extract().jsonPath();
    }
}

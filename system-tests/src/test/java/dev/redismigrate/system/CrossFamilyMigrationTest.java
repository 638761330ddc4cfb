package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import dev.redismigrate.testing.RedisServer.Family;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Migrations between server families through the real services, as the provider's managed caching
 * (Valkey) meets its customers' Redis: Redis 7.0 → Valkey 8 and Valkey 8 → Valkey 8 by replication,
 * Valkey 8 → Redis 7.0 by scan (the target cannot load Valkey's newer RDB, so the preflight scans
 * and rebuilds keys type by type). Each with every type, sorted sets with fractional scores, TTLs and
 * two dbs, written to during the copy; then equal key by key by meaning ({@link KeyByKey}), by
 * {@code DEBUG DIGEST} where both servers are of one family (across families it hashes scores as
 * each prints them), and by the service's own full verification.
 */
class CrossFamilyMigrationTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @ParameterizedTest(name = "{0} to {1} by {2}")
    @CsvSource({"REDIS, VALKEY, replication", "VALKEY, VALKEY, replication", "VALKEY, REDIS, scan"})
    void migratesEqualAcrossServerFamilies(Family from, Family to, String method) throws Exception {
        try (RedisServer source = RedisServer.start(from, "--requirepass", "source-pass");
             RedisServer target = RedisServer.start(to)) {
            seed(source);
            MigrationService.Ids ids = null;
            try {
                try (SourceWriter writer = SourceWriter.withFractions(source)) {
                    ids = RUN.service().migrate(source, target);
                    RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(90));
                    JsonPath syncing = RUN.service().onlineMigration(ids.database());
                    assertEquals(method, syncing.getString("method"), syncing.prettify());
                    long writes = writer.rounds();
                    Await.until(Duration.ofSeconds(30), () -> writer.rounds() > writes + 200,
                            () -> "writes while syncing");
                }

                int compared = KeyByKey.awaitEqual(source, target, 0, 1);
                assertTrue(compared > 3000, "keys compared: " + compared);
                // streams field by field: groups, consumers and pending entries (owner, delivery count) too
                StreamState.assertSameStreams(source, target);
                if (from == to) {
                    Await.until(Duration.ofSeconds(10), () -> source.digest().equals(target.digest()),
                            () -> "digests equal: source " + source.digest() + " target " + target.digest());
                    assertNotEquals("0000000000000000000000000000000000000000", target.digest());
                }

                JsonPath verified = verifyFull(ids.migration());
                assertEquals("equal", verified.getString("verdict"), verified.prettify());
                assertTrue(verified.getLong("result.keys_checked") > 3000, verified.prettify());
                for (String kind : List.of("missing", "extra", "type", "value", "ttl")) {
                    assertEquals(0, verified.getInt("result.mismatches." + kind + ".count"), kind + ": " + verified.prettify());
                }
            } finally {
                if (ids != null) {
                    RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration());
                }
            }
        }
    }

    /**
     * Every type in db0 and db1, with and without TTL, in small and large encodings (listpack and
     * hashtable/skiplist/quicklist), sorted sets with scores whose text differs between the families
     * (0.1, 1.5e-7, 1/3...), plus ~1,500 bulk keys a db.
     */
    static void seed(RedisServer source) {
        StringBuilder commands = new StringBuilder();
        for (int db : new int[] {0, 1}) {
            commands.append("SELECT ").append(db).append('\n').append(String.join("\n",
                    "SET s:plain hello", "SET s:ttl bye PX 600000", "SET s:binary \"\\x00\\xff\\r\\n\"",
                    "SET s:int 12345", "SET \"s:key with spaces\" v", "SET s:float 3.0000000000000004",
                    "HSET h:small a 1 b 2.5", "HSET h:ttl a 1", "EXPIRE h:ttl 3600",
                    "RPUSH l:small a b c", "RPUSH l:ttl a", "EXPIRE l:ttl 3600",
                    "SADD set:small a b c", "SADD set:int 1 2 3", "SADD set:ttl a", "EXPIRE set:ttl 3600",
                    "ZADD z:fractional 0.1 a 1.5e-7 b -2.25 c 3.141592653589793 d 1e300 e inf f -inf g 0 h 100 i "
                            + "0.30000000000000004 j 0.3333333333333333 k 1e-300 l -0.1 m",
                    "ZADD z:ttl 0.1 a 0.2 b", "PEXPIRE z:ttl 600000", "ZADD z:int 1 a 2 b",
                    "XADD x:stream 1-1 f v", "XADD x:stream 2-1 f w n 0.1", "XGROUP CREATE x:stream readers 0",
                    "XREADGROUP GROUP readers alice COUNT 1 STREAMS x:stream >", "XGROUP CREATE x:stream idle $",
                    "XADD x:ttl 1-1 f v", "EXPIRE x:ttl 3600",
                    "PFADD hll a b c", "SETBIT bitmap 100 1", "")).append('\n');
            StringBuilder hash = new StringBuilder("HSET h:big");
            StringBuilder list = new StringBuilder("RPUSH l:big");
            StringBuilder set = new StringBuilder("SADD set:big");
            StringBuilder zset = new StringBuilder("ZADD z:big");
            for (int i = 0; i < 300; i++) {
                hash.append(" f").append(i).append(" v").append(i);
                list.append(" item-").append(i).append(" item-").append(i + 300).append(" item-").append(i + 600);
                set.append(" m").append(i);
                zset.append(' ').append(i / 10.0 + i / 3.0).append(" m").append(i); // fractional, many digits
            }
            commands.append(hash).append('\n').append(list).append('\n').append(set).append('\n').append(zset).append('\n');
            commands.append("PEXPIRE z:big 900000\n");
            commands.append("DEBUG POPULATE 1500 bulk:").append(db).append(" 64\n");
        }
        String reply = source.cliPipe(commands.toString());
        assertFalse(reply.contains("ERR"), "seeded without errors: " + reply);
    }

    /** POST a full verification and wait for its end. */
    private static JsonPath verifyFull(String migrationId) throws InterruptedException {
        String id = RUN.service().http().body("{\"mode\": \"full\"}").post("/v2/migrations/{id}/verify", migrationId)
                .then().statusCode(202).body("id", notNullValue()).body("mode", equalTo("full"))
                .extract().path("id");
        Await.until(Duration.ofSeconds(60), () -> !"running".equals(latestVerification(migrationId).getString("status")),
                () -> "verification done: " + latestVerification(migrationId).prettify());
        JsonPath done = latestVerification(migrationId);
        assertEquals(id, done.getString("id"));
        assertEquals("done", done.getString("status"), done.prettify());
        return done;
    }

    private static JsonPath latestVerification(String migrationId) {
        return RUN.service().http().get("/v2/migrations/{id}/verify", migrationId).then().statusCode(200).extract().jsonPath();
    }
}

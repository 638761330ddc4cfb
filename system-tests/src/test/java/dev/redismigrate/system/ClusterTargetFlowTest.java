package dev.redismigrate.system;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A standalone source (every type, TTLs, written to all along: transactions over several slots,
 * scripts, expiries) into a 3-master Redis Cluster target, over HTTP, by each method: replication
 * (snapshot + stream, a checkpoint per slot) and scan (SCAN + DUMP, changed keys copied again).
 * Each ends key by key equal (each key's DEBUG DIGEST-VALUE and expiry on the master owning its
 * slot) and equal by the service's own verifier. The writer's db 1 is left out (a cluster has db 0
 * only); a source holding keys in db 3 is refused with a 422 naming db 3, and migrated with db 3 mapped into db 0.
 */
class ClusterTargetFlowTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    static MigrationService service;
    static RedisCluster cluster;
    static RedisConnector connector;

    @BeforeAll
    static void start() {
        service = MigrationService.start();
        cluster = RedisCluster.start(RedisServer.Family.REDIS, 3, 0);
        connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (connector != null) {
            connector.close();
        }
    }

    @Test
    void replicationIntoAClusterEndsKeyByKeyEqual() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass")) {
            migrateAndCompare(source, "replication");
        }
    }

    @Test
    void scanIntoAClusterEndsKeyByKeyEqual() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass", "--rename-command", "PSYNC", "",
                "--rename-command", "SYNC", "")) {
            migrateAndCompare(source, "scan");
        }
    }

    @Test
    void aSourceWithKeysInDb3IsRefusedNamingDb3UnlessDb3IsMappedIntoDb0() throws Exception {
        for (int m = 0; m < cluster.masters(); m++) {
            cluster.master(m).cli("FLUSHALL");
        }
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass")) {
            source.cli("SET", "zero", "0");
            source.cli("-n", "3", "SET", "three", "3");
            String databaseId = register();
            service.http().body(body(source, "")).put("/v2/databases/{id}/online-migration", databaseId)
                    .then().statusCode(422)
                    .body("message", containsString("the target is a cluster, which has db 0 only: the keys of db3 have "
                            + "nowhere to go unless those dbs are ignored (ignore_dbs: [\"db3\"])"));

            // db3 merged into db 0, as the refusal suggests: both keys reach the cluster
            String mapped = body(source, "").trim().replaceFirst("}$", ", \"db_map\": {\"db3\": \"db0\"}, \"allow_merge\": true}");
            String migrationId = service.http().body(mapped).put("/v2/databases/{id}/online-migration", databaseId)
                    .then().statusCode(200).extract().path("id");
            Await.until(Duration.ofSeconds(60), () -> "3".equals(cluster.cli("GET", "three").trim())
                    && "0".equals(cluster.cli("GET", "zero").trim()), () -> "both keys in the cluster: "
                    + service.onlineMigration(databaseId).prettify());
            source.cli("-n", "3", "SET", "three-later", "33");
            Await.until(Duration.ofSeconds(30), () -> "33".equals(cluster.cli("GET", "three-later").trim()),
                    () -> "a stream write of db3 in the cluster: " + service.onlineMigration(databaseId).prettify());
            service.http().delete("/v2/databases/{id}/online-migration/{mid}", databaseId, migrationId).then().statusCode(204);
        }
    }

    private void migrateAndCompare(RedisServer source, String method) throws Exception {
        for (int m = 0; m < cluster.masters(); m++) {
            cluster.master(m).cli("FLUSHALL");
        }
        OnlineMigrationFlowTest.seed(source);
        String databaseId = register();
        String body = body(source, "\"db1\"");
        service.http().body(body).post("/v2/databases/{id}/online-migration/check", databaseId).then().statusCode(200)
                .body("ok", equalTo(true)).body("method", equalTo(method));
        String migrationId;
        try (SourceWriter writer = new SourceWriter(source)) {
            migrationId = service.http().body(body).put("/v2/databases/{id}/online-migration", databaseId)
                    .then().statusCode(200).body("method", equalTo(method)).extract().path("id");
            Await.until(Duration.ofSeconds(120), () -> "syncing".equals(service.onlineMigration(databaseId).getString("status")),
                    () -> "migration syncing: " + service.onlineMigration(databaseId).prettify());
            long roundsAtSync = writer.rounds();
            Await.until(Duration.ofSeconds(30), () -> writer.rounds() > roundsAtSync + 200, () -> "writes while syncing");
        }
        Await.until(Duration.ofSeconds(60), () -> keyByKey(source).equals(clusterKeys()),
                () -> "key by key equal: source " + keyByKey(source).size() + " keys, cluster " + clusterKeys().size()
                        + "; " + service.onlineMigration(databaseId).prettify());
        assertTrue(keyByKey(source).size() > 20, "every type seeded and written");
        for (String key : new String[] {"seed:ttl:string", "seed:ttl:hash", "seed:ttl:zset"}) {
            long sourceTtl = Long.parseLong(source.cli("PTTL", key).trim());
            long targetTtl = Long.parseLong(cluster.cli("PTTL", key).trim());
            assertTrue(sourceTtl > 0 && Math.abs(sourceTtl - targetTtl) <= 1000, key + ": " + sourceTtl + " vs " + targetTtl);
        }
        JsonPath verified = service.verify(migrationId);
        assertEquals("equal", verified.getString("verdict"), verified.prettify());
        assertTrue(verified.getLong("result.keys_checked") >= keyByKey(source).size() - 100, verified.prettify());

        service.http().delete("/v2/databases/{id}/online-migration/{mid}", databaseId, migrationId).then().statusCode(204);
        assertEquals("canceled", service.onlineMigration(databaseId).getString("status"));
        // the stream's stop moves its checkpoints out of the target (into the checkpoint log)
        Await.until(Duration.ofSeconds(15), () -> java.util.stream.IntStream.range(0, cluster.masters())
                .allMatch(m -> cluster.master(m).cli("--scan", "--pattern", "redis-migrate:*").trim().isEmpty()),
                () -> "no checkpoint left on any master after the stop");
    }

    private static String register() {
        return service.http().body("""
                {"name": "cluster-%d", "engine": "redis", "connection": {"host": "127.0.0.1", "port": %d, "ssl": false}}
                """.formatted(System.nanoTime(), cluster.master(1).port()))
                .post("/v2/databases").then().statusCode(201).extract().path("database.id");
    }

    private static String body(RedisServer source, String ignoreDbs) {
        return """
                {"source": {"host": "127.0.0.1", "port": %d, "password": "source-pass"}, "disable_ssl": true, "ignore_dbs": [%s]}
                """.formatted(source.port(), ignoreDbs);
    }

    /** Each key of the source's db 0 → its type, DEBUG DIGEST-VALUE and whether it expires. */
    private static Map<String, String> keyByKey(RedisServer source) {
        try (RedisLink link = connector.open(new RedisEndpoint("127.0.0.1", source.port(), null, CIPHER.seal("source-pass"),
                false), "cluster-test")) {
            return ClusterKeys.of(link);
        }
    }

    /** The same over every master of the cluster, each key read where its slot is served. */
    private static Map<String, String> clusterKeys() {
        return ClusterKeys.of(cluster, m -> connector.open(new RedisEndpoint("127.0.0.1", cluster.master(m).port(), null, null,
                false), "cluster-test"));
    }
}

package dev.redismigrate.system;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * snapshot_load replica through the real services, Redis 7.0 into Valkey 8 (the provider's own case):
 * the target loads the source's RDB as a replica of the snapshot worker, is detached, and the stream
 * continues from the RDB's offset under writes; and every combination it cannot honour is a 400 or a
 * 422 naming the field, before anything is copied.
 */
class ReplicaLoadFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void theTargetLoadsTheSnapshotItselfAndTheStreamContinuesEqual() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass");
             RedisServer target = RedisServer.startValkey()) {
            CrossFamilyMigrationTest.seed(source);
            MigrationService.Ids ids = null;
            try {
                try (SourceWriter writer = SourceWriter.withFractions(source)) {
                    ids = RUN.service().migrate(source, target, Map.of("snapshot_load", "replica"));
                    RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(90));
                    JsonPath syncing = RUN.service().onlineMigration(ids.database());
                    assertEquals("replica", syncing.getString("snapshot_load"), syncing.prettify());
                    assertEquals("replication", syncing.getString("method"));
                    long writes = writer.rounds();
                    Await.until(Duration.ofSeconds(30), () -> writer.rounds() > writes + 200, () -> "writes while syncing");
                }
                String replication = target.cli("INFO", "replication");
                assertTrue(replication.contains("role:master"), "detached after the load: " + replication);
                int compared = KeyByKey.awaitEqual(source, target, 0, 1);
                assertTrue(compared > 3000, "keys compared: " + compared);
                StreamState.assertSameStreams(source, target);
                assertTrue(RUN.service().history(ids.migration()).contains("snapshot loaded by replica"));
            } finally {
                if (ids != null) {
                    RUN.service().http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration());
                }
            }
        }
    }

    @Test
    void refusesWhatALoadAsAReplicaCannotHonourNamingTheField() {
        try (RedisServer source = RedisServer.start("--databases", "32"); RedisServer target = RedisServer.start()) {
            String database = RUN.service().http().body(Map.of("name", "target", "engine", "redis", "connection",
                    Map.of("host", target.host(), "port", target.port(), "ssl", false)))
                    .post("/v2/databases").then().statusCode(201).extract().path("database.id");
            refused(database, source, Map.of("snapshot_load", "fast"), 400, "snapshot_load must be");
            refused(database, source, Map.of("snapshot_load", "replica", "method", "scan"), 400, "method replication");
            refused(database, source, Map.of("snapshot_load", "replica", "ignore_dbs", List.of("db2")), 400, "ignore_dbs");
            refused(database, source, Map.of("snapshot_load", "replica", "include_keys", List.of("user:*")), 400,
                    "include_keys");
            refused(database, source, Map.of("snapshot_load", 1), 400, "snapshot_load");
            // a replica that loads a db it lacks exits: the source's db20 against the target's 16 dbs
            source.cli("-n", "20", "SET", "k", "v");
            refused(database, source, Map.of("snapshot_load", "replica"), 422, "db20");
            assertEquals("", source.cli("CLIENT", "LIST").contains("redis-migrate-snapshot") ? "copying" : "",
                    "nothing was started");
        }
    }

    @Test
    void theCheckFailsAReplicaLoadIntoAClusterTarget() {
        try (RedisServer source = RedisServer.start();
             dev.redismigrate.testing.RedisCluster cluster = dev.redismigrate.testing.RedisCluster.start(
                     RedisServer.Family.REDIS, 3, 0)) {
            RedisServer seed = cluster.master(0);
            String database = RUN.service().http().body(Map.of("name", "cluster", "engine", "redis", "connection",
                    Map.of("host", seed.host(), "port", seed.port(), "ssl", false)))
                    .post("/v2/databases").then().statusCode(201).extract().path("database.id");
            Map<String, Object> body = Map.of("source", Map.of("host", source.host(), "port", source.port()),
                    "disable_ssl", true, "snapshot_load", "replica");
            JsonPath report = RUN.service().http().body(body).post("/v2/databases/{id}/online-migration/check", database)
                    .then().statusCode(200).extract().jsonPath();
            assertEquals("fail", report.getString("checks.find { it.name == 'snapshot_load' }.result"), report.prettify());
            assertTrue(report.getString("checks.find { it.name == 'snapshot_load' }.message").contains("standalone target"),
                    report.prettify());
            refused(database, source, Map.of("snapshot_load", "replica"), 422, "standalone target");
        }
    }

    private static void refused(String database, RedisServer source, Map<String, Object> fields, int status, String says) {
        Map<String, Object> body = new HashMap<>(Map.of("source", Map.of("host", source.host(), "port", source.port()),
                "disable_ssl", true));
        body.putAll(fields);
        RUN.service().http().body(body).put("/v2/databases/{id}/online-migration", database)
                .then().statusCode(status).body("message", containsString(says));
    }
}

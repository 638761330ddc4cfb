package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.awaitField;
import static dev.redismigrate.api.support.Kafka.event;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The method: chosen by the preflight (scan where PSYNC is refused, by rename or by ACL), forced by
 * the request, recorded and shown; the scan method's requests and events through the real Kafka.
 */
@QuarkusTest
class ScanMethodApiTest {
    private static RedisServer noPsync;
    private static RedisServer aclSource;
    private static RedisServer noPsyncNoConfig;
    private static RedisServer replicable;

    @BeforeAll
    static void servers() {
        noPsync = RedisServer.start("--rename-command", "PSYNC", "", "--rename-command", "SYNC", "");
        aclSource = RedisServer.start();
        aclSource.cli("ACL", "SETUSER", "managed", "on", ">managed-pw", "~*", "&*", "+@all", "-psync", "-sync");
        noPsyncNoConfig = RedisServer.start("--rename-command", "PSYNC", "", "--rename-command", "CONFIG", "");
        replicable = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        noPsync.close();
        aclSource.close();
        noPsyncNoConfig.close();
        replicable.close();
    }

    private static String check(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration/check";
    }

    private static String put(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    private static Map<String, Object> withMethod(Map<String, Object> body, String method) {
        Map<String, Object> b = new HashMap<>(body);
        b.put("method", method);
        return b;
    }

    @Test
    void aSourceRefusingPsyncByRenameOrAclIsMigratedByScan() {
        try (RedisServer target = RedisServer.start()) {
            String targetId = registerTarget(target);
            api().body(source(noPsync, null)).post(check(targetId)).then().statusCode(200)
                    .body("ok", equalTo(true)).body("result", equalTo("warn")).body("method", equalTo("scan"))
                    .body("checks.find { it.name == 'psync' }.result", equalTo("warn"))
                    .body("checks.find { it.name == 'psync' }.message", containsString("unknown command"))
                    .body("checks.find { it.name == 'scan' }.result", equalTo("pass"))
                    .body("checks.find { it.name == 'notifications' }.result", equalTo("pass"));

            Map<String, Object> acl = new HashMap<>(source(aclSource, "managed-pw"));
            acl.put("source", Map.of("host", aclSource.host(), "port", aclSource.port(), "username", "managed",
                    "password", "managed-pw"));
            String json = api().body(acl).post(check(targetId)).then().statusCode(200).body("method", equalTo("scan"))
                    .body("checks.find { it.name == 'psync' }.message", containsString("NOPERM")).extract().asString();
            assertTrue(!json.contains("managed-pw"), json);
            // the probe started no full sync on the source
            assertEquals("0", syncFull(aclSource));
        }
    }

    @Test
    void theRequestMayForceAMethodButNotReplicationFromASourceThatRefusesIt() {
        try (RedisServer target = RedisServer.start()) {
            String targetId = registerTarget(target);
            api().body(withMethod(source(noPsync, null), "rdb")).post(check(targetId)).then().statusCode(400)
                    .body("message", containsString("method must be"));
            api().body(withMethod(source(noPsync, null), "rdb")).put(put(targetId)).then().statusCode(400);
            api().body(withMethod(source(noPsync, null), "replication")).post(check(targetId)).then().statusCode(200)
                    .body("ok", equalTo(false)).body("result", equalTo("fail"))
                    .body("checks.find { it.name == 'psync' }.result", equalTo("fail"));
            api().body(withMethod(source(noPsync, null), "replication")).put(put(targetId)).then().statusCode(422)
                    .body("message", containsString("psync"))
                    .body("checks.name", hasItem("psync"));
            api().get(put(targetId)).then().statusCode(404);
            // scan forced on a source that would replicate
            api().body(withMethod(source(replicable, null), "scan")).post(check(targetId)).then().statusCode(200)
                    .body("method", equalTo("scan")).body("result", equalTo("pass"))
                    .body("checks.find { it.name == 'psync' }.message", containsString("allows PSYNC"));
            assertEquals("0", syncFull(replicable), "probing an allowed PSYNC started no full sync");
        }
    }

    @Test
    void notificationsThatCannotBeSeenAreAWarningAndThoseThatCannotBeSetAFailure() {
        try (RedisServer target = RedisServer.start()) {
            String targetId = registerTarget(target);
            api().body(source(noPsyncNoConfig, null)).post(check(targetId)).then().statusCode(200)
                    .body("ok", equalTo(true)).body("method", equalTo("scan"))
                    .body("checks.find { it.name == 'notifications' }.result", equalTo("warn"))
                    .body("checks.find { it.name == 'notifications' }.message", containsString("probe key"));
            // CONFIG GET allowed, CONFIG SET denied by ACL, notifications off
            noPsync.cli("ACL", "SETUSER", "noset", "on", ">noset-pw", "~*", "&*", "+@all", "-psync", "-config|set");
            Map<String, Object> body = new HashMap<>(source(noPsync, "noset-pw"));
            body.put("source", Map.of("host", noPsync.host(), "port", noPsync.port(), "username", "noset", "password", "noset-pw"));
            noPsync.cli("CONFIG", "SET", "notify-keyspace-events", "");
            api().body(body).put(put(targetId)).then().statusCode(422)
                    .body("checks.find { it.name == 'notifications' }.result", equalTo("fail"))
                    .body("checks.find { it.name == 'notifications' }.message", containsString("notify-keyspace-events"));
        }
    }

    @Test
    void aTargetWithoutRoomForTheSourceFailsTheMemoryCheck() {
        try (RedisServer target = RedisServer.start("--maxmemory", "3mb")) {
            StringBuilder bulk = new StringBuilder();
            String value = "x".repeat(1000);
            for (int i = 0; i < 5000; i++) {
                bulk.append("SET big:").append(i).append(' ').append(value).append('\n');
            }
            replicable.cliPipe(bulk.toString());
            try {
                String targetId = registerTarget(target);
                api().body(source(replicable, null)).post(check(targetId)).then().statusCode(200)
                        .body("ok", equalTo(false))
                        .body("checks.find { it.name == 'memory' }.result", equalTo("fail"))
                        .body("checks.find { it.name == 'memory' }.message", containsString("maxmemory"));
            } finally {
                replicable.cli("FLUSHALL");
            }
        }
    }

    @Test
    void aScanMigrationRequestsTheCaptureFirstThenTheScanAndReportsKeysAsLag() {
        try (RedisServer target = RedisServer.start()) {
            String targetId = registerTarget(target);
            String id = api().body(source(noPsync, null)).put(put(targetId)).then().statusCode(200)
                    .body("method", equalTo("scan")).body("status", equalTo("running")).extract().path("id");
            StreamRequest capture = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.STREAM_REQUESTS), id),
                    StreamRequest.class);
            assertTrue(capture.byScan());
            assertNull(capture.from());
            api().get("/v2/migrations").then().statusCode(200).body("migrations.find { it.id == '" + id + "' }.method",
                    equalTo("scan"));

            // the outbox is sent at each commit and retried every second: two seconds without the scan
            // request show that it waits for the capture, which a scan published at PUT would not
            Kafka.noneWithin(Kafka.topic(Topics.SNAPSHOT_REQUESTS), id, Duration.ofSeconds(2));
            UUID migration = UUID.fromString(id);
            event(MigrationEvent.of(migration, 1, EventType.CAPTURE_STARTED, "w"));
            SnapshotRequest scan = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS), id),
                    SnapshotRequest.class);
            assertTrue(scan.byScan());
            event(MigrationEvent.of(migration, 1, EventType.SNAPSHOT_COMPLETED, "w").withCopy(4, 4, 40));
            awaitField(id, "phase", "stream");
            event(MigrationEvent.of(migration, 1, EventType.STREAM_STARTED, "w"));
            event(MigrationEvent.of(migration, 1, EventType.STREAM_PROGRESS, "w").withChanges(9, 2, 1));
            JsonPath syncing = awaitField(id, "lag.keys", 2);
            assertEquals("syncing", syncing.getString("status"));
            assertEquals(1.0, syncing.getDouble("lag.seconds"));
            assertEquals(100.0f, syncing.getFloat("progress.percent"));
            api().get("/v2/migrations/" + id + "/events").then().statusCode(200)
                    .body("events.type", hasItem("CAPTURE_STARTED"));
        }
    }

    private static String syncFull(RedisServer server) {
        return server.cli("INFO", "stats").lines().filter(l -> l.startsWith("sync_full:"))
                .map(l -> l.substring(10).trim()).findFirst().orElseThrow();
    }

}

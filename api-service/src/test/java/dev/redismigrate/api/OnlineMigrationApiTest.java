package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.awaitField;
import static dev.redismigrate.api.support.Kafka.event;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.StopRequest;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class OnlineMigrationApiTest {
    private static final String PASSWORD = "s3cret";
    /** A server of each test's own: a server takes one active migration at a time, and tests leave theirs active. */
    private RedisServer target;
    private static RedisServer source;
    private static RedisServer fourDbs;

    @Inject
    SecretCipher cipher;

    @BeforeAll
    static void servers() {
        source = RedisServer.start("--requirepass", PASSWORD);
        fourDbs = RedisServer.start("--databases", "4");
    }

    @AfterAll
    static void stop() {
        source.close();
        fourDbs.close();
    }

    @BeforeEach
    void targetServer() {
        target = RedisServer.start();
    }

    @AfterEach
    void stopTarget() {
        target.close();
    }

    private static String onlineMigration(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    private static String start(String targetId, Object body) {
        return api().body(body).put(onlineMigration(targetId))
                .then().statusCode(200).extract().path("id");
    }

    @Test
    void startsAMigrationAndPublishesItsSnapshotRequestWithTheSourcePasswordSealed() {
        String targetId = registerTarget(target);
        String json = api().body(source(source, PASSWORD, "db1", "3")).put(onlineMigration(targetId))
                .then().statusCode(200)
                .body("id", notNullValue())
                .body("status", equalTo("running"))
                .body("created_at", notNullValue())
                .body("phase", equalTo("snapshot"))
                .body("source.host", equalTo("127.0.0.1"))
                .body("source.port", equalTo(source.port()))
                .body("source.password", nullValue())
                .body("ignore_dbs", equalTo(List.of(1, 3)))
                .extract().asString();
        assertFalse(json.contains(PASSWORD), json);
        String id = JsonPath.from(json).getString("id");
        String createdAt = JsonPath.from(json).getString("created_at");
        assertEquals(Duration.ofDays(14), Duration.between(Instant.parse(createdAt),
                Instant.parse(JsonPath.from(json).getString("stops_at"))), "redis-migrate.migration.max-duration");

        String record = Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS), id);
        assertFalse(record.contains(PASSWORD), record);
        SnapshotRequest request = MessageCodec.decode(record, SnapshotRequest.class);
        assertEquals(UUID.fromString(id), request.migrationId());
        assertEquals(1, request.attempt());
        assertEquals(source.port(), request.source().port());
        assertFalse(request.source().tls(), "disable_ssl: true means plain TCP");
        assertTrue(request.source().sealedPassword().startsWith("v1:"));
        assertEquals(PASSWORD, cipher.open(request.source().sealedPassword()));
        assertEquals(target.port(), request.target().port());
        assertEquals(Set.of(1, 3), request.ignoreDbs());
        String stored = QuarkusTransaction.requiringNew()
                .call(() -> Migration.<Migration>findById(UUID.fromString(id)).sourceSealedPassword);
        assertFalse(stored.contains(PASSWORD));

        api().get(onlineMigration(targetId)).then().statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("running"))
                .body("created_at", equalTo(createdAt))
                .body("progress.percent", equalTo(0.0f))
                .body("stops_at", notNullValue())
                .body(not(containsString(PASSWORD)));
        api().get("/v2/migrations?status=running").then().statusCode(200).body("migrations.id", hasItem(id));

        // one active migration per target; and the target cannot go while it is active
        api().body(source(source, PASSWORD)).put(onlineMigration(targetId))
                .then().statusCode(409).body("id", equalTo("conflict"));
        api().delete("/v2/databases/" + targetId).then().statusCode(409).body("id", equalTo("conflict"));

        api().delete(onlineMigration(targetId) + "/" + id).then().statusCode(204);
        api().get(onlineMigration(targetId)).then().statusCode(200)
                .body("status", equalTo("canceled"))
                .body("phase", equalTo("stopped"));
        String controlTopic = Kafka.topic(Topics.CONTROL);
        StopRequest stop = MessageCodec.decode(Kafka.awaitOne(controlTopic, id), StopRequest.class);
        assertEquals(UUID.fromString(id), stop.migrationId());
        api().get("/v2/migrations?status=canceled").then().statusCode(200)
                .body("migrations.id", hasItem(id))
                .body("migrations.status", everyItem(equalTo("canceled")));
        // paginated, newest first, with the total
        int total = api().get("/v2/migrations").then().statusCode(200).extract().path("meta.total");
        api().get("/v2/migrations?per_page=1&page=1").then().statusCode(200)
                .body("migrations.size()", equalTo(1)).body("meta.total", equalTo(total));
        api().get("/v2/migrations?per_page=1&page=" + (total + 1)).then().statusCode(200).body("migrations.size()", equalTo(0));
        api().get("/v2/migrations?per_page=0").then().statusCode(400).body("id", equalTo("bad_request"));
        api().get("/v2/migrations?page=x").then().statusCode(400).body("id", equalTo("bad_request"));

        // stopping again changes nothing
        api().delete(onlineMigration(targetId) + "/" + id).then().statusCode(204);
        // a worker that starts late for the canceled migration is told to stop again
        event(MigrationEvent.of(UUID.fromString(id), 1, EventType.STREAM_STARTED, "late-worker"));
        Kafka.await(controlTopic, id, 2, Duration.ofSeconds(30));
        api().get("/v2/migrations/" + id).then().body("status", equalTo("canceled"));

        api().delete("/v2/databases/" + targetId).then().statusCode(204);
        api().get("/v2/migrations/" + id).then().statusCode(404);
    }

    @Test
    void followsTheWorkersEventsUntilSyncing() {
        String targetId = registerTarget(target);
        String id = start(targetId, source(source, PASSWORD));
        UUID uuid = UUID.fromString(id);
        String eventsTopic = Kafka.topic("incoming", "events");

        // an unreadable record is parked on the dead-letter topic, it does not block what follows
        Kafka.send(eventsTopic, id, "{not json");
        Kafka.send(eventsTopic, id, "{\"type\": \"SNAPSHOT_STARTED\"}");
        event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_STARTED, "snap-1").withCopy(0, 10, 0));
        awaitField(id, "progress.keys_total", 10);
        sleep(1100); // the rate is an average over a second at least
        event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_PROGRESS, "snap-1").withCopy(5, 10, 512));
        JsonPath running = awaitField(id, "progress.keys_copied", 5);
        assertTrue(Instant.parse(running.getString("started_at")).isAfter(Instant.parse(running.getString("created_at"))));
        long rate = running.getLong("progress.keys_per_second");
        assertTrue(rate >= 1 && rate <= 5, "5 keys in a little over a second: " + rate);
        assertEquals("running", running.getString("status"));
        assertEquals(10, running.getInt("progress.keys_total"));
        assertEquals(512, running.getInt("progress.bytes_copied"));
        assertEquals(50.0f, running.getFloat("progress.percent"));
        assertEquals(List.of("{not json", "{\"type\": \"SNAPSHOT_STARTED\"}"),
                Kafka.await(Kafka.deadLetterTopic("events"), id, 2, Duration.ofSeconds(30)));

        ReplicationOffset offset = new ReplicationOffset("0f3c9e4c43dd6c3b1a8e1f2f6d3e1c9b8a7f6e5d", 1234, 0);
        event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_COMPLETED, "snap-1").withCopy(10, 10, 1024).withOffset(offset));
        StreamRequest stream = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.STREAM_REQUESTS), id),
                StreamRequest.class);
        assertEquals(offset, stream.from());
        assertEquals(PASSWORD, cipher.open(stream.source().sealedPassword()));
        assertEquals(target.port(), stream.target().port());

        event(MigrationEvent.of(uuid, 1, EventType.STREAM_STARTED, "stream-1"));
        JsonPath syncing = awaitField(id, "status", "syncing");
        assertEquals("stream", syncing.getString("phase"));
        assertEquals(1234, syncing.getInt("lag.offset"));
        assertEquals(100.0f, syncing.getFloat("progress.percent"));

        // a stale attempt's failure changes nothing; events of one migration are applied in order
        event(MigrationEvent.of(uuid, 2, EventType.FAILED, "old").withMessage("stale"));
        event(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "stream-1")
                .withOffset(new ReplicationOffset(offset.replId(), 2000, 0)).withStream(7, 42L).withLagParts(2L, 40L, 0.25));
        JsonPath progressed = awaitField(id, "commands_applied", 7);
        // the lag in its two parts: source → change log, change log → target
        assertEquals(2, progressed.getInt("lag.capture_bytes"));
        assertEquals(40, progressed.getInt("lag.apply_bytes"));
        assertEquals(0.25, progressed.getDouble("lag.apply_seconds"));
        assertEquals("syncing", progressed.getString("status"));
        assertEquals(2000, progressed.getInt("lag.offset"));
        assertEquals(42, progressed.getInt("lag.bytes"));
        assertTrue(progressed.getDouble("lag.seconds") >= 0, "seconds since caught up");
        assertFalse(progressed.getBoolean("lag.ready_for_cutover"), "42 bytes behind");
        event(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "stream-1")
                .withOffset(new ReplicationOffset(offset.replId(), 2042, 0)).withStream(8, 0L).withLagParts(0L, 0L, 0.0));
        JsonPath caughtUp = awaitField(id, "commands_applied", 8);
        assertEquals(0, caughtUp.getInt("lag.apply_bytes"));
        assertEquals(0.0, caughtUp.getDouble("lag.seconds"));
        assertTrue(caughtUp.getBoolean("lag.ready_for_cutover"));
        api().get(onlineMigration(targetId)).then().body("status", equalTo("syncing"));

        // milestones only, oldest first: progress does not flood the history
        api().get("/v2/migrations/" + id + "/events").then().statusCode(200)
                .body("events.type", equalTo(List.of("REQUESTED", "SNAPSHOT_STARTED", "SNAPSHOT_COMPLETED", "STREAM_STARTED")))
                .body("events[2].message", containsString("1234"));
    }

    @Test
    void aFailedWorkerEndsTheMigrationInErrorWithItsReason() {
        String targetId = registerTarget(target);
        String id = start(targetId, source(source, PASSWORD));
        event(MigrationEvent.of(UUID.fromString(id), 1, EventType.FAILED, "snap-1")
                .withMessage("the target refused SET in db 0: OOM command not allowed"));
        JsonPath failed = awaitField(id, "status", "error");
        assertEquals("the target refused SET in db 0: OOM command not allowed", failed.getString("error"));
        assertEquals("stopped", failed.getString("phase"));
        // no longer active: the target takes a new migration
        String next = start(targetId, source(source, PASSWORD));
        api().get(onlineMigration(targetId)).then().body("id", equalTo(next)).body("status", equalTo("running"));
    }

    @Test
    void aMigrationPastItsEndIsStoppedAndDone() {
        String targetId = registerTarget(target);
        String id = start(targetId, source(source, PASSWORD));
        QuarkusTransaction.requiringNew().run(() -> Migration.update("stopsAt = ?1 where id = ?2",
                Instant.now().minusSeconds(1), UUID.fromString(id)));
        assertEquals("stopped", awaitField(id, "status", "done").getString("phase"));
        StopRequest stop = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.CONTROL), id), StopRequest.class);
        assertEquals(UUID.fromString(id), stop.migrationId());
    }

    @Test
    void refusesSourcesItCannotUse() {
        String targetId = registerTarget(target);
        api().body(source(source, "wrong-password")).put(onlineMigration(targetId))
                .then().statusCode(422)
                .body("id", equalTo("unprocessable_entity"))
                .body("message", startsWith("the source Redis cannot be used: "))
                .body("message", not(containsString("wrong-password")));
        // no password for a server that needs one
        api().body(source(source, null)).put(onlineMigration(targetId))
                .then().statusCode(422).body("message", containsString("NOAUTH"));
        int closed = RedisServer.freePort();
        api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", closed), "disable_ssl", true))
                .put(onlineMigration(targetId))
                .then().statusCode(422).body("message", containsString("cannot connect to 127.0.0.1:" + closed));
        // TLS unless disable_ssl: a plain server cannot pass
        api().body(Map.of("source", Map.of("host", "127.0.0.1", "port", fourDbs.port()), "disable_ssl", false))
                .put(onlineMigration(targetId))
                .then().statusCode(422).body("message", startsWith("the source Redis cannot be used over TLS: "));
        api().body(source(target, null)).put(onlineMigration(targetId))
                .then().statusCode(422).body("message", containsString("are one server (the same address)"));
        // nothing was started
        api().get(onlineMigration(targetId)).then().statusCode(404).body("id", equalTo("not_found"));
    }

    @Test
    void aConnectionStringMayReplaceTheSourceFields() {
        String targetId = registerTarget(target);
        String encoded = java.net.URLEncoder.encode(PASSWORD, java.nio.charset.StandardCharsets.UTF_8);
        String id = start(targetId, Map.of("source", Map.of("uri", "redis://default:" + encoded + "@127.0.0.1:" + source.port() + "/0",
                "dbname", "defaultdb"), "ignore_dbs", List.of()));
        SnapshotRequest request = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.SNAPSHOT_REQUESTS), id),
                SnapshotRequest.class);
        assertEquals(source.port(), request.source().port());
        assertEquals("default", request.source().username());
        assertFalse(request.source().tls(), "redis:// is plain TCP");
        assertEquals(PASSWORD, cipher.open(request.source().sealedPassword()));
        api().delete(onlineMigration(targetId) + "/" + id).then().statusCode(204);

        String path = onlineMigration(targetId);
        String secret = "uri-secret-" + UUID.randomUUID();
        badRequest(path, Map.of("source", Map.of("uri", "http://u:" + secret + "@h:1")), "source.uri must start with redis:// or rediss://");
        badRequest(path, Map.of("source", Map.of("uri", "redis://u:" + secret + "@h:1", "host", "h", "port", 1)),
                "give source.uri or source.host and source.port, not both");
        badRequest(path, Map.of("source", Map.of("uri", "rediss://u:" + secret + "@h:1"), "disable_ssl", true),
                "source.uri asks for TLS (rediss://) but disable_ssl is true");
        badRequest(path, Map.of("source", Map.of("uri", "redis://u:" + secret + " x@h:1")),
                "source.uri is not a valid connection string (characters that are not allowed in a URI, e.g. in the password, must be percent-encoded)");
        badRequest(path, Map.of("source", Map.of("uri", "redis://:" + secret + "@h:70000")), "source.uri.port must be between 1 and 65535");
    }

    @Test
    void invalidRequestsAreBadRequests() {
        String targetId = registerTarget(target);
        String path = onlineMigration(targetId);
        badRequest(path, "{\"source\": ", "malformed JSON at line 1, column 12");
        badRequest(path, Map.of("disable_ssl", true), "source is required");
        badRequest(path, Map.of("source", "127.0.0.1:6379"), "invalid value for source (expected an object)");
        badRequest(path, Map.of("source", Map.of("host", "127.0.0.1", "port", 0)), "source.port must be between 1 and 65535");
        badRequest(path, Map.of("source", Map.of("host", "127.0.0.1", "port", 70000)), "source.port must be between 1 and 65535");
        badRequest(path, Map.of("source", Map.of("host", "", "port", 6379)), "source.host is required");
        badRequest(path, Map.of("source", Map.of("port", 6379)), "source.host is required");
        badRequest(path, Map.of("source", Map.of("host", "h", "port", "x")), "invalid value for source.port (expected a whole number)");
        badRequest(path, Map.of("source", Map.of("host", "h", "port", 1), "disable_ssl", "maybe"),
                "invalid value for disable_ssl (expected a boolean)");
        badRequest(path, source(fourDbs, null, "db1", "first"),
                "ignore_dbs entries must be \"dbN\" or \"N\" (N a db number), got \"first\"");
        badRequest(path, source(fourDbs, null, "db16"), "ignore_dbs: db16 does not exist, the source has db0 to db3");
        badRequest(path, source(fourDbs, null, "4"), "ignore_dbs: db4 does not exist, the source has db0 to db3");
        badRequest(path, Map.of("source", Map.of("host", "h", "port", 1), "ignore_dbs", "db1"),
                "invalid value for ignore_dbs (expected an array)");
        api().get("/v2/migrations?status=paused").then().statusCode(400).body("id", equalTo("bad_request"));
        // within the source's 4 dbs
        start(targetId, source(fourDbs, null, "db3"));
    }

    private static void badRequest(String path, Object body, String message) {
        api().body(body).put(path).then().statusCode(400)
                .body("id", equalTo("bad_request"))
                .body("message", equalTo(message));
    }

    @Test
    void unknownIdsAreNotFound() {
        String unknown = UUID.randomUUID().toString();
        api().body(source(source, PASSWORD)).put(onlineMigration(unknown)).then().statusCode(404)
                .body("id", equalTo("not_found"));
        api().get(onlineMigration(unknown)).then().statusCode(404);
        api().get(onlineMigration("nope")).then().statusCode(404);
        api().get("/v2/migrations/" + unknown).then().statusCode(404).body("id", equalTo("not_found"));
        api().get("/v2/migrations/nope").then().statusCode(404).body("message", equalTo("migration nope not found"));
        api().get("/v2/migrations/" + unknown + "/events").then().statusCode(404);

        String targetId = registerTarget(target);
        api().get(onlineMigration(targetId)).then().statusCode(404)
                .body("message", equalTo("database " + targetId + " has no online migration"));
        api().delete(onlineMigration(targetId) + "/" + unknown).then().statusCode(404);
        // a migration exists, but not of this target
        String other = registerTarget(target);
        String id = start(other, source(source, PASSWORD));
        api().delete(onlineMigration(targetId) + "/" + id).then().statusCode(404);
        api().get("/v2/migrations/" + id).then().body("status", equalTo("running"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

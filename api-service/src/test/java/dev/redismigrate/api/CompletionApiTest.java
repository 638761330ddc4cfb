package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.awaitField;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static dev.redismigrate.api.support.Kafka.event;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.StopRequest;
import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * POST .../complete against a real source (its writes paused and unpaused) with the workers' events
 * sent as the workers would: the steps, done with completed_at and final_offset, a timeout that
 * leaves the migration syncing and the source writable, force, 409s and bad inputs.
 */
@QuarkusTest
class CompletionApiTest {
    private RedisServer source;
    private RedisServer target;

    @BeforeEach
    void servers() {
        source = RedisServer.start();
        target = RedisServer.start();
    }

    @AfterEach
    void stopServers() {
        source.close();
        target.close();
    }

    private static String path(String targetId) {
        return "/v2/databases/" + targetId + "/online-migration";
    }

    /** A migration that streams: snapshot completed at the source's current offset, stream started. */
    private String syncing(String targetId) {
        String id = api().body(source(source, null)).put(path(targetId)).then().statusCode(200).extract().path("id");
        UUID uuid = UUID.fromString(id);
        event(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_COMPLETED, "snap-1").withCopy(1, 1, 10)
                .withOffset(new ReplicationOffset(replId(), Long.parseLong(info(source, "master_repl_offset")), 0)));
        event(MigrationEvent.of(uuid, 1, EventType.STREAM_STARTED, "stream-1"));
        awaitField(id, "status", "syncing");
        return id;
    }

    private String replId() {
        return info(source, "master_replid");
    }

    private void progress(String id, long offset) {
        event(MigrationEvent.of(UUID.fromString(id), 1, EventType.STREAM_PROGRESS, "stream-1")
                .withOffset(new ReplicationOffset(replId(), offset, 0)).withStream(5, 0L));
    }

    /** A replica of the source: its replication offset moves with each write (and holds still while paused). */
    private RedisServer replicaOfSource() {
        RedisServer replica = RedisServer.start("--replicaof", source.host(), Integer.toString(source.port()));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!info(source, "connected_slaves").equals("1") && System.nanoTime() < deadline) {
            sleep(100);
        }
        source.cli("SET", "moves", "the offset");
        return replica;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean writable() {
        return "OK".equals(source.cli("SET", "probe", "1").trim());
    }

    @Test
    void withAPauseWaitsForTheSourceOffsetStopsTheWorkersAndEndsDoneWithTheSourceWritableAgain() throws Exception {
        String targetId = registerTarget(target);
        String id = syncing(targetId);
        try (RedisServer replica = replicaOfSource()) {
            completeWithAPause(targetId, id);
        }
    }

    private void completeWithAPause(String targetId, String id) throws Exception {
        source.cli("SET", "before", "1");

        JsonPath begun = api().body(Map.of("pause_source_writes", "20s")).post(path(targetId) + "/" + id + "/complete")
                .then().statusCode(202)
                .body("status", equalTo("syncing"))
                .body("completion.step", equalTo("waiting_for_offset"))
                .body("completion.began_at", notNullValue())
                .extract().jsonPath();
        long sourceOffset = begun.getLong("completion.source_offset");
        assertEquals(Long.parseLong(info(source, "master_repl_offset")), sourceOffset);

        // paused: a client's write waits
        CompletableFuture<String> write = CompletableFuture.supplyAsync(() -> source.cli("SET", "during", "1"));
        Thread.sleep(500);
        assertFalse(write.isDone(), "the source's writes are paused");
        api().body(Map.of()).post(path(targetId) + "/" + id + "/complete").then().statusCode(409)
                .body("message", containsString("completing already"));

        progress(id, sourceOffset - 1);
        Thread.sleep(500);
        api().get("/v2/migrations/" + id).then().body("completion.step", equalTo("waiting_for_offset"));

        progress(id, sourceOffset);
        awaitField(id, "completion.step", "stopping");
        List<String> stops = Kafka.await(Kafka.topic(Topics.CONTROL), id, 1, Duration.ofSeconds(30));
        assertEquals(UUID.fromString(id), MessageCodec.decode(stops.get(0), StopRequest.class).migrationId());
        assertFalse(write.isDone(), "still paused until the workers stopped");

        event(MigrationEvent.of(UUID.fromString(id), 1, EventType.STOPPED, "stream-1")
                .withOffset(new ReplicationOffset(replId(), sourceOffset, 0)).withStream(5, null));
        JsonPath done = awaitField(id, "status", "done");
        assertEquals(sourceOffset, done.getLong("final_offset"));
        assertTrue(done.getString("completed_at") != null, done.prettify());
        assertEquals("stopped", done.getString("phase"));
        assertTrue(done.get("completion.step") == null, done.prettify());
        assertEquals("OK", write.get(5, TimeUnit.SECONDS).trim(), "the paused write went through after the unpause");
        assertTrue(writable());
        String events = api().get("/v2/migrations/" + id + "/events").then().statusCode(200).extract().asString();
        assertTrue(events.contains("waiting for the apply to reach the source's offset " + sourceOffset), events);
        assertTrue(events.contains("completed at offset " + sourceOffset), events);

        // ended: no second completion
        api().body(Map.of()).post(path(targetId) + "/" + id + "/complete").then().statusCode(409)
                .body("message", containsString("is done"));
    }

    @Test
    void withoutAPauseWaitsForTheOffsetReadAtTheStart() {
        String targetId = registerTarget(target);
        String id = syncing(targetId);
        long sourceOffset = api().post(path(targetId) + "/" + id + "/complete").then().statusCode(202)
                .extract().jsonPath().getLong("completion.source_offset");
        assertTrue(writable(), "no pause asked");
        progress(id, sourceOffset + 7);
        awaitField(id, "completion.step", "stopping");
        event(MigrationEvent.of(UUID.fromString(id), 1, EventType.STOPPED, "stream-1")
                .withOffset(new ReplicationOffset(replId(), sourceOffset + 9, 0)).withStream(5, null));
        JsonPath done = awaitField(id, "status", "done");
        assertEquals(sourceOffset + 9, done.getLong("final_offset"), "where the stream ended");
    }

    @Test
    void aTimeoutLeavesTheMigrationSyncingAndTheSourceUnpaused() {
        String targetId = registerTarget(target);
        String id = syncing(targetId);
        try (RedisServer replica = replicaOfSource()) {
            timesOut(targetId, id);
        }
    }

    private void timesOut(String targetId, String id) {
        api().body(Map.of("pause_source_writes", "30s", "timeout", "1s")).post(path(targetId) + "/" + id + "/complete")
                .then().statusCode(202).body("completion.step", equalTo("waiting_for_offset"));
        JsonPath gaveUp = awaitField(id, "completion.step", null);
        assertEquals("syncing", gaveUp.getString("status"));
        assertTrue(gaveUp.getString("completion.note").contains("did not reach the source's offset"), gaveUp.prettify());
        long started = System.nanoTime();
        assertTrue(writable());
        assertTrue(System.nanoTime() - started < Duration.ofSeconds(2).toNanos(), "unpaused, not waiting for the 30 s pause");
        assertTrue(api().get("/v2/migrations/" + id + "/events").asString().contains("COMPLETION_FAILED"));
        // and it may be completed again
        api().body(Map.of("force", true)).post(path(targetId) + "/" + id + "/complete").then().statusCode(200)
                .body("status", equalTo("done"));
    }

    @Test
    void forceEndsDoneAtOnce() {
        String targetId = registerTarget(target);
        String id = syncing(targetId);
        progress(id, 150);
        awaitField(id, "lag.offset", 150); // ahead of this source: the point is not what force waits for
        api().body(Map.of("force", true)).post(path(targetId) + "/" + id + "/complete").then().statusCode(200)
                .body("status", equalTo("done"))
                .body("phase", equalTo("stopped"))
                .body("completed_at", notNullValue())
                .body("final_offset", equalTo(150))
                .body("completion.step", nullValue())
                .body("completion.note", containsString("forced"));
        StopRequest stop = MessageCodec.decode(Kafka.awaitOne(Kafka.topic(Topics.CONTROL), id), StopRequest.class);
        assertEquals(UUID.fromString(id), stop.migrationId());
        assertTrue(writable());
    }

    @Test
    void refusesAMigrationThatIsNotSyncingAndBadInputs() {
        String targetId = registerTarget(target);
        String id = api().body(source(source, null)).put(path(targetId)).then().statusCode(200).extract().path("id");
        String complete = path(targetId) + "/" + id + "/complete";
        api().post(complete).then().statusCode(409).body("id", equalTo("conflict")).body("message", containsString("running"));
        api().body(Map.of("force", true)).post(complete).then().statusCode(409);

        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("pause_source_writes", "61s"),
                Map.of("pause_source_writes", "0s"), Map.of("pause_source_writes", "ten seconds"))) {
            api().body(bad).post(complete).then().statusCode(400).body("message", containsString("pause_source_writes"));
        }
        api().body(Map.of("verify", "quick")).post(complete).then().statusCode(400).body("message", containsString("verify"));
        api().body(Map.of("timeout", "2h")).post(complete).then().statusCode(400).body("message", containsString("timeout"));
        api().body(Map.of("force", true, "pause_source_writes", "1s")).post(complete).then().statusCode(400)
                .body("message", containsString("force"));
        api().post(path(targetId) + "/" + UUID.randomUUID() + "/complete").then().statusCode(404);
        assertTrue(writable(), "nothing paused by refused requests");
    }

    private static String info(RedisServer server, String field) {
        for (String line : server.cli("INFO", "replication").split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new AssertionError(field + " not in INFO replication");
    }
}

package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import io.restassured.RestAssured;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a migration lives through in production: Kafka stopped and started again, PostgreSQL
 * restarted, the api-service instance that consumes the events killed, unreadable requests on the
 * workers' topics, bad input and a source password changed under a running migration. Each ends with
 * the target equal to the source and no needless restart of the copy; then every log and record of
 * the run is searched for the passwords. The broker and the database cluster are the test's own; the
 * shared ones are never touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InfrastructureFaultTest {
    private static final String SOURCE_PASSWORD = "source-secret-" + UUID.randomUUID();
    private static final String TARGET_PASSWORD = "target-secret-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = SecretSearch.secret("wrong-secret-" + UUID.randomUUID());
    private static final String CHANGED_PASSWORD = SecretSearch.secret("changed-secret-" + UUID.randomUUID());
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    private static final RedisConnector SOURCE_LINKS = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);

    static PrivateKafka kafka;
    static PrivatePostgres postgres;
    static MigrationService service;

    @BeforeAll
    static void start() {
        kafka = new PrivateKafka();
        postgres = new PrivatePostgres();
        service = MigrationService.with().apis(2).kafka(kafka.bootstrap()).postgres(postgres).start();
    }

    @AfterAll
    static void stop() {
        SOURCE_LINKS.close();
        try {
            if (service != null) {
                SecretSearch.searchKafkaBeforeItStops(service); // the logs are searched after this
            }
        } finally {
            closeAll();
        }
    }

    private static void closeAll() {
        if (service != null) {
            service.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void aStartAcceptedWhileKafkaIsDownRunsWhenItIsBackAndTheStreamRidesOutABrokerRestart() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", SOURCE_PASSWORD);
             RedisServer target = RedisServer.start("--requirepass", TARGET_PASSWORD)) {
            source.cliPipe("DEBUG POPULATE 20000 seed 64\nSELECT 1\nDEBUG POPULATE 5000 other 64\n");
            kafka.stop();
            // the job and its command are one transaction: accepted now, published when Kafka is back
            MigrationService.Ids ids = service.migrate(source, target);
            // watched, not slept on: for 3 s it stays running and no worker can have the request
            Await.never(Duration.ofSeconds(3), () -> !service.onlineMigration(ids.database()).getString("status").equals("running")
                    || service.history(ids.migration()).contains("SNAPSHOT_STARTED"),
                    () -> "the migration moved on while Kafka was down: " + service.history(ids.migration()));
            kafka.start();
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(120));

            long reportedBeforeRestart;
            long roundsAtStop;
            long roundsAtEnd;
            try (SourceWriter writer = new SourceWriter(source)) {
                awaitRounds(writer, 100);
                kafka.stop();
                roundsAtStop = writer.rounds();
                awaitRounds(writer, 300); // the source keeps taking writes; the stream keeps applying them
                reportedBeforeRestart = applied(ids); // api-service can know nothing newer than the stop
                kafka.start();
                awaitRounds(writer, 100);
                roundsAtEnd = writer.rounds();
            }
            long sourceOffset = replicationOffset(source);
            // the reports resume after the restart: every write made since the stop (at least 10 commands a
            // round) is counted in GET, and the applied offset reaches where the source stood at the end
            long atLeast = reportedBeforeRestart + 10 * (roundsAtEnd - roundsAtStop - 1);
            Await.until(Duration.ofSeconds(90), () -> applied(ids) >= atLeast && appliedOffset(ids) >= sourceOffset,
                    () -> "commands_applied >= " + atLeast + " (it was " + reportedBeforeRestart + " at the restart) and lag.offset >= "
                            + sourceOffset + ": " + service.http().get("/v2/migrations/{id}", ids.migration()).asString());
            Await.until(Duration.ofSeconds(90), () -> source.digest().equals(target.digest()), () -> "digests equal");
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            String history = service.history(ids.migration());
            assertFalse(history.contains("REASSIGNED"), "an outage of Kafka is not a dead worker: " + history);
        }
    }

    @Test
    @Order(2)
    void whilePostgresRestartsTheApiAnswers503AndThenAnotherApiInstanceTakesOverAfterAKill() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", SOURCE_PASSWORD);
             RedisServer target = RedisServer.start("--requirepass", TARGET_PASSWORD)) {
            source.cliPipe("DEBUG POPULATE 10000 seed 64\n");
            MigrationService.Ids ids = service.migrate(source, target);
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(90));

            KafkaView broker = new KafkaView(kafka.bootstrap());
            String events = service.topic(Topics.EVENTS);
            String group = service.topicPrefix() + "api-service";
            try (SourceWriter writer = new SourceWriter(source)) {
                awaitRounds(writer, 100);
                postgres.stop();
                long eventsAtStop = broker.endOffsets(events);
                service.http().get("/v2/migrations/{id}", ids.migration()).then().statusCode(503)
                        .header("Retry-After", "5")
                        .body("id", org.hamcrest.Matchers.equalTo("service_unavailable"))
                        .body("message", org.hamcrest.Matchers.containsString("database"));
                RestAssured.given().baseUri(service.api().baseUrl()).get("/q/health/ready").then().statusCode(503);
                awaitRounds(writer, 300);
                // the workers' progress reports keep coming (a fixed count of writes lasted less than one report
                // period on a fast machine, 06:07 CI): waited for, not assumed
                Await.until(Duration.ofSeconds(30), () -> broker.endOffsets(events) > eventsAtStop,
                        () -> "the workers reported during the outage");
                long eventsDuringOutage = broker.endOffsets(events) - eventsAtStop;
                postgres.start();
                // each instance on its own: one that answers again says nothing of the other's pool
                Await.until(Duration.ofSeconds(60), () -> service.apis.stream().allMatch(api -> service.http(api)
                        .get("/v2/migrations/{id}", ids.migration()).statusCode() == 200), () -> "every instance answers again");
                // nothing skipped: the events sent while PostgreSQL was down were all consumed after it came
                // back (the group's committed offsets reach the end they had then) and none was parked
                long endAfterOutage = broker.endOffsets(events);
                Await.until(Duration.ofSeconds(60), () -> broker.committed(group, events) >= endAfterOutage,
                        () -> "api-service's committed offsets on " + events + " reach " + endAfterOutage + " (at "
                                + broker.committed(group, events) + ")");
                List<KafkaView.Rec> parked = broker.records(service.topic(Topics.DEAD_LETTERS)).stream()
                        .filter(r -> events.equals(r.headers().get("dead-letter-topic"))).toList();
                assertEquals(List.of(), parked, eventsDuringOutage + " events sent during the outage; none may be parked");

                // the api-service instance that consumes this migration's events dies; the other takes over
                int partition = broker.records(events).stream().filter(r -> ids.migration().equals(r.key()))
                        .findFirst().orElseThrow().partition();
                TopicPartition owned = new TopicPartition(events, partition);
                ServiceProcess owner = instanceNamed(broker.owner(group, owned).orElseThrow(
                        () -> new AssertionError("no api-service instance owns " + owned)));
                ServiceProcess survivor = service.apis.stream().filter(a -> a != owner).findFirst().orElseThrow();
                owner.kill();
                long applied = applied(ids);
                awaitRounds(writer, 200);
                Await.until(Duration.ofSeconds(60), () -> broker.owner(group, owned).map(this::instanceNamed).orElse(null) == survivor,
                        () -> "the surviving instance is assigned " + owned);
                Await.until(Duration.ofSeconds(60), () -> applied(ids) > applied,
                        () -> "the surviving instance applies the events (commands_applied beyond " + applied + ")");
            }
            Await.until(Duration.ofSeconds(90), () -> source.digest().equals(target.digest()), () -> "digests equal");
            String history = service.history(ids.migration());
            assertFalse(history.contains("REASSIGNED"), "an outage of PostgreSQL is not a dead worker: " + history);
            assertEquals("syncing", service.onlineMigration(ids.database()).getString("status"));
        }
    }

    @Test
    @Order(3)
    void workersParkUnreadableRequestsAndAMigrationSyncsThroughBadInputAndAChangedPassword() throws Exception {
        KafkaView broker = new KafkaView(kafka.bootstrap());
        // an unreadable request on every partition of each worker's input: whichever partition the next
        // migration's requests go to, they come after one
        String unreadable = "{unreadable " + UUID.randomUUID();
        int sent = broker.sendToEveryPartition(service.topic(Topics.SNAPSHOT_REQUESTS), unreadable)
                + broker.sendToEveryPartition(service.topic(Topics.STREAM_REQUESTS), unreadable);
        try (RedisServer source = RedisServer.start("--requirepass", SOURCE_PASSWORD);
             RedisServer target = RedisServer.start("--requirepass", TARGET_PASSWORD);
             RedisServer otherTarget = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 5000 seed 64\n");
            MigrationService.Ids ids = service.migrate(source, target);
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(90)); // both workers went on past them
            List<KafkaView.Rec> parked = broker.records(service.topic(Topics.DEAD_LETTERS)).stream()
                    .filter(r -> unreadable.equals(r.value())).toList();
            assertEquals(sent, parked.size(), "each unreadable request parked once: " + parked);
            for (KafkaView.Rec r : parked) {
                assertTrue(Set.of(service.topic(Topics.SNAPSHOT_REQUESTS), service.topic(Topics.STREAM_REQUESTS))
                        .contains(r.headers().get("dead-letter-topic")), "where it came from: " + r.headers());
                assertTrue(r.headers().getOrDefault("dead-letter-reason", "").length() > 0, "why: " + r.headers());
            }

            try (SourceWriter writer = new SourceWriter(source);
                 RedisLink admin = SOURCE_LINKS.open(new RedisEndpoint(source.host(), source.port(), null,
                         CIPHER.seal(SOURCE_PASSWORD), false), "test-admin")) {
                awaitRounds(writer, 100);
                long before = applied(ids);
                // bad input meanwhile: a wrong source password, checked and PUT, answered without the password
                String otherId = service.http().body(Map.of("name", "other", "engine", "redis", "connection",
                        Map.of("host", otherTarget.host(), "port", otherTarget.port(), "ssl", false)))
                        .post("/v2/databases").then().statusCode(201).extract().path("database.id");
                Map<String, Object> wrong = Map.of("source", Map.of("host", source.host(), "port", source.port(),
                        "password", WRONG_PASSWORD), "disable_ssl", true);
                service.http().body(wrong).post("/v2/databases/{id}/online-migration/check", otherId).then().statusCode(200)
                        .body("ok", org.hamcrest.Matchers.equalTo(false));
                service.http().body(wrong).put("/v2/databases/{id}/online-migration", otherId).then().statusCode(422)
                        .body("message", org.hamcrest.Matchers.containsString("WRONGPASS"));
                service.http().get("/v2/databases/{id}/online-migration", otherId).then().statusCode(404);
                Await.until(Duration.ofSeconds(60), () -> applied(ids) > before, () -> "the running migration goes on");

                // the source's password changes and the replication link is cut: the stream worker cannot
                // log in again (its log says so) until the password is back, then it goes on
                admin.call("CONFIG", "SET", "requirepass", CHANGED_PASSWORD);
                admin.call("CLIENT", "KILL", "TYPE", "replica");
                Path workerLog = service.streamWorkers.get(0).log();
                Await.until(Duration.ofSeconds(60), () -> read(workerLog).contains("WRONGPASS"),
                        () -> "the stream worker's log shows the refused login");
                admin.call("CONFIG", "SET", "requirepass", SOURCE_PASSWORD);
                long afterChange = applied(ids);
                awaitRounds(writer, 100);
                Await.until(Duration.ofSeconds(60), () -> applied(ids) > afterChange, () -> "the stream goes on with the old password");
            }
            Await.until(Duration.ofSeconds(90), () -> source.digest().equals(target.digest()), () -> "digests equal");
            assertEquals("syncing", service.onlineMigration(ids.database()).getString("status"));
        }
    }

    @Test
    @Order(4)
    void noPasswordInAnyLogOrKafkaRecord() {
        // now, while this class's own broker runs; the logs are searched again after the services stop
        SecretSearch.Summary searched = SecretSearch.searchNow(service);
        assertEquals(4, searched.logs());
        assertTrue(searched.records() > 50, "the requests, events and dead letters of every migration: " + searched);
        assertTrue(searched.headers() >= 8, "the dead letters' headers at least: " + searched);
    }

    private long applied(MigrationService.Ids ids) {
        return service.http().get("/v2/migrations/{id}", ids.migration()).then().statusCode(200).extract()
                .jsonPath().getLong("commands_applied");
    }

    private long appliedOffset(MigrationService.Ids ids) {
        Long offset = service.http().get("/v2/migrations/{id}", ids.migration()).then().statusCode(200).extract()
                .jsonPath().getObject("lag.offset", Long.class);
        return offset == null ? -1 : offset;
    }

    private static long replicationOffset(RedisServer server) {
        return server.cli("INFO", "replication").lines().filter(l -> l.startsWith("master_repl_offset:"))
                .map(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
    }

    /** The api-service instance whose events consumer has this client id (MigrationService names them by port). */
    private ServiceProcess instanceNamed(String clientId) {
        return service.apis.stream().filter(a -> clientId.startsWith("api-service-" + a.port())).findFirst()
                .orElseThrow(() -> new AssertionError("no api-service instance is " + clientId));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitRounds(SourceWriter writer, long more) throws InterruptedException {
        long from = writer.rounds();
        Await.until(Duration.ofSeconds(60), () -> writer.rounds() >= from + more, () -> more + " more rounds of writes");
    }
}

package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What a migration lives through in production: Kafka stopped and started again, PostgreSQL
 * restarted, one of two api-service instances killed. Each ends with the target equal to the
 * source and no needless restart of the copy. The broker and the database cluster are the test's
 * own; the shared ones are never touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InfrastructureFaultTest {
    private static final String SOURCE_PASSWORD = "source-secret-" + UUID.randomUUID();
    private static final String TARGET_PASSWORD = "target-secret-" + UUID.randomUUID();

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
            Thread.sleep(3000);
            JsonPath waiting = service.onlineMigration(ids.database());
            assertEquals("running", waiting.getString("status"));
            assertFalse(service.history(ids.migration()).contains("SNAPSHOT_STARTED"), "no worker can have the request yet");
            kafka.start();
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(120));

            try (SourceWriter writer = new SourceWriter(source)) {
                awaitRounds(writer, 100);
                kafka.stop();
                awaitRounds(writer, 300); // the source keeps taking writes; the stream keeps applying them
                kafka.start();
                awaitRounds(writer, 100);
            }
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

            try (SourceWriter writer = new SourceWriter(source)) {
                awaitRounds(writer, 100);
                postgres.stop();
                service.http().get("/v2/migrations/{id}", ids.migration()).then().statusCode(503)
                        .header("Retry-After", "5")
                        .body("id", org.hamcrest.Matchers.equalTo("service_unavailable"))
                        .body("message", org.hamcrest.Matchers.containsString("database"));
                RestAssured.given().baseUri(service.api().baseUrl()).get("/q/health/ready").then().statusCode(503);
                awaitRounds(writer, 300);
                postgres.start();
                // each instance on its own: one that answers again says nothing of the other's pool
                Await.until(Duration.ofSeconds(60), () -> service.apis.stream().allMatch(api -> service.http(api)
                        .get("/v2/migrations/{id}", ids.migration()).statusCode() == 200), () -> "every instance answers again");

                // one of the two api-service instances dies; the other serves and follows the workers
                service.apis.get(0).kill();
                long applied = service.http().get("/v2/migrations/{id}", ids.migration()).jsonPath().getLong("commands_applied");
                awaitRounds(writer, 200);
                Await.until(Duration.ofSeconds(60), () -> service.http().get("/v2/migrations/{id}", ids.migration())
                        .jsonPath().getLong("commands_applied") > applied, () -> "the surviving instance follows the events");
            }
            Await.until(Duration.ofSeconds(90), () -> source.digest().equals(target.digest()), () -> "digests equal");
            String history = service.history(ids.migration());
            assertFalse(history.contains("REASSIGNED"), "an outage of PostgreSQL is not a dead worker: " + history);
            assertEquals("syncing", service.onlineMigration(ids.database()).getString("status"));
        }
    }

    @Test
    @Order(3)
    void noPasswordInAnyLogOrKafkaRecord() throws IOException {
        for (ServiceProcess p : service.all()) {
            String log = Files.readString(p.log());
            assertFalse(log.contains(SOURCE_PASSWORD) || log.contains(TARGET_PASSWORD), "a password in " + p.log());
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        int records = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.listTopics().entrySet().stream()
                    .filter(t -> !t.getKey().startsWith("__"))
                    .flatMap(t -> t.getValue().stream().map(p -> new TopicPartition(p.topic(), p.partition())))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    records++;
                    String value = String.valueOf(r.value());
                    assertFalse(value.contains(SOURCE_PASSWORD) || value.contains(TARGET_PASSWORD), "a password on " + r.topic());
                }
            }
        }
        assertTrue(records > 10, "the requests and events of both migrations were read: " + records);
    }


    private static void awaitRounds(SourceWriter writer, long more) throws InterruptedException {
        long from = writer.rounds();
        Await.until(Duration.ofSeconds(60), () -> writer.rounds() >= from + more, () -> more + " more rounds of writes");
    }
}

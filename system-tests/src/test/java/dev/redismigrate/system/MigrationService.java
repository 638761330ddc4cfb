package dev.redismigrate.system;

import dev.redismigrate.testing.RedisServer;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole service as a deployment runs it: api-service and instances of each worker, each its
 * own JVM, talking through the real Kafka on 19092 and PostgreSQL on 5432. Topics, consumer groups
 * and the database schema are this run's own, so a running demo or another test run never mixes in.
 */
final class MigrationService implements AutoCloseable {
    static final String TOKEN = "system-test-token";

    final ServiceProcess api;
    final List<ServiceProcess> snapshotWorkers;
    final List<ServiceProcess> streamWorkers;

    private MigrationService(ServiceProcess api, List<ServiceProcess> snapshotWorkers, List<ServiceProcess> streamWorkers) {
        this.api = api;
        this.snapshotWorkers = snapshotWorkers;
        this.streamWorkers = streamWorkers;
    }

    static MigrationService start() {
        return start(1, 1, Map.of());
    }

    /** @param apiSettings extra api-service configuration (e.g. a short worker silence for crash tests) */
    static MigrationService start(int snapshotInstances, int streamInstances, Map<String, String> apiSettings) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> shared = Map.of("redis-migrate.topic-prefix", "systest-" + run + ".",
                "redis-migrate.secret-key", "c3lzdGVtLXRlc3RzLW9ubHkta2V5LTMyLWJ5dGVzISE=");
        List<ServiceProcess> snapshots = new ArrayList<>();
        List<ServiceProcess> streams = new ArrayList<>();
        for (int i = 0; i < snapshotInstances; i++) {
            snapshots.add(ServiceProcess.start("snapshot-worker", RedisServer.freePort(), shared));
        }
        for (int i = 0; i < streamInstances; i++) {
            streams.add(ServiceProcess.start("stream-worker", RedisServer.freePort(), shared));
        }
        Map<String, String> api = new HashMap<>(shared);
        api.putAll(Map.of(
                "redis-migrate.api.tokens", TOKEN,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/redis_migrate?currentSchema=systest_" + run,
                "quarkus.flyway.schemas", "systest_" + run,
                "quarkus.flyway.clean-at-start", "true",
                "quarkus.flyway.clean-disabled", "false"));
        api.putAll(apiSettings);
        return new MigrationService(ServiceProcess.start("api-service", RedisServer.freePort(), api), snapshots, streams);
    }

    /** A request to api-service with the token and JSON content type. */
    RequestSpecification http() {
        return RestAssured.given().baseUri(api.baseUrl()).auth().oauth2(TOKEN).contentType(ContentType.JSON);
    }

    /** GET /v2/databases/{id}/online-migration, expecting 200. */
    JsonPath onlineMigration(String databaseId) {
        return http().get("/v2/databases/{id}/online-migration", databaseId).then().statusCode(200).extract().jsonPath();
    }

    /** The instance that reported {@code milestone} ("... (pid@host)") last in the migration's history. */
    ServiceProcess reporterOf(String migrationId, String milestone, List<ServiceProcess> instances) {
        String line = http().get("/v2/migrations/{id}/events", migrationId).then().statusCode(200).extract()
                .jsonPath().getList("events.message", String.class).stream()
                .filter(m -> m != null && m.startsWith(milestone)).reduce((a, b) -> b).orElseThrow();
        return instances.stream().filter(p -> line.contains("(" + p.pid() + "@")).findFirst()
                .orElseThrow(() -> new AssertionError("no instance wrote: " + line));
    }

    @Override
    public void close() {
        streamWorkers.forEach(ServiceProcess::close);
        snapshotWorkers.forEach(ServiceProcess::close);
        api.close();
    }
}

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
 * The whole service as a deployment runs it: api-service and the workers, each instance its own
 * JVM, talking through a real Kafka (19092 unless a test brings its own) and PostgreSQL (5432
 * unless a test brings its own). Topics, consumer groups and the database schema are this run's
 * own, so a running demo or another test run never mixes in.
 */
final class MigrationService implements AutoCloseable {
    static final String TOKEN = "system-test-token";

    final List<ServiceProcess> apis;
    final List<ServiceProcess> snapshotWorkers;
    final List<ServiceProcess> streamWorkers;
    private final String topicPrefix;
    private final String kafka;

    private MigrationService(List<ServiceProcess> apis, List<ServiceProcess> snapshotWorkers, List<ServiceProcess> streamWorkers,
            String topicPrefix, String kafka) {
        this.apis = apis;
        this.snapshotWorkers = snapshotWorkers;
        this.streamWorkers = streamWorkers;
        this.topicPrefix = topicPrefix;
        this.kafka = kafka;
    }

    /** What this run's topic and consumer group names start with. */
    String topicPrefix() {
        return topicPrefix;
    }

    /** The Kafka bootstrap servers the services use. */
    String kafka() {
        return kafka;
    }

    /** The full name of one of the project's topics in this run ({@code Topics.EVENTS}, ...). */
    String topic(String name) {
        return topicPrefix + name;
    }

    static MigrationService start() {
        return with().start();
    }

    /** @param apiSettings extra api-service configuration (e.g. a short worker silence for crash tests) */
    static MigrationService start(int snapshotInstances, int streamInstances, Map<String, String> apiSettings) {
        Layout layout = with().snapshotWorkers(snapshotInstances).streamWorkers(streamInstances);
        apiSettings.forEach(layout::api);
        return layout.start();
    }

    static Layout with() {
        return new Layout();
    }

    /** How many instances of each service, and where Kafka and PostgreSQL are. */
    static final class Layout {
        private int apis = 1;
        private int snapshotWorkers = 1;
        private int streamWorkers = 1;
        private String kafka;
        private PrivatePostgres postgres;
        private final Map<String, String> apiSettings = new HashMap<>();
        private final Map<String, String> snapshotSettings = new HashMap<>();
        private final Map<String, String> streamSettings = new HashMap<>();

        Layout apis(int n) {
            apis = n;
            return this;
        }

        Layout snapshotWorkers(int n) {
            snapshotWorkers = n;
            return this;
        }

        Layout streamWorkers(int n) {
            streamWorkers = n;
            return this;
        }

        Layout kafka(String bootstrapServers) {
            kafka = bootstrapServers;
            return this;
        }

        Layout postgres(PrivatePostgres cluster) {
            postgres = cluster;
            return this;
        }

        Layout api(String key, String value) {
            apiSettings.put(key, value);
            return this;
        }

        /** A setting of every snapshot worker's (redis-migrate.snapshot.source-retry-for, ...). */
        Layout snapshotWorker(String key, String value) {
            snapshotSettings.put(key, value);
            return this;
        }

        /** A setting of every stream worker's. */
        Layout streamWorker(String key, String value) {
            streamSettings.put(key, value);
            return this;
        }

        /**
         * For classes that kill workers: a dead worker's request partitions go to another instance after
         * 6 s (the broker's least session timeout) instead of the services' 10 s.
         */
        Layout quickTakeover() {
            snapshotWorker("mp.messaging.incoming.snapshot-requests.session.timeout.ms", "6000");
            snapshotWorker("mp.messaging.incoming.snapshot-requests.heartbeat.interval.ms", "2000");
            streamWorker("mp.messaging.incoming.stream-requests.session.timeout.ms", "6000");
            streamWorker("mp.messaging.incoming.stream-requests.heartbeat.interval.ms", "2000");
            return this;
        }

        MigrationService start() {
            String run = UUID.randomUUID().toString().substring(0, 8);
            String prefix = "systest-" + run + ".";
            Map<String, String> shared = new HashMap<>(Map.of("redis-migrate.topic-prefix", prefix,
                    "redis-migrate.secret-key", "c3lzdGVtLXRlc3RzLW9ubHkta2V5LTMyLWJ5dGVzISE="));
            if (kafka != null) {
                shared.put("kafka.bootstrap.servers", kafka);
            }
            Map<String, String> snapshotWorker = new HashMap<>(shared);
            snapshotWorker.putAll(snapshotSettings);
            Map<String, String> streamWorker = new HashMap<>(shared);
            streamWorker.putAll(streamSettings);
            List<ServiceProcess> snapshots = new ArrayList<>();
            List<ServiceProcess> streams = new ArrayList<>();
            // launched side by side (each JVM's start-up overlaps the others'), then each awaited ready
            for (int i = 0; i < snapshotWorkers; i++) {
                snapshots.add(ServiceProcess.launch("snapshot-worker", RedisServer.freePort(), snapshotWorker));
            }
            for (int i = 0; i < streamWorkers; i++) {
                streams.add(ServiceProcess.launch("stream-worker", RedisServer.freePort(), streamWorker));
            }
            String schema = "systest_" + run;
            Map<String, String> api = new HashMap<>(shared);
            api.putAll(Map.of(
                    "redis-migrate.api.tokens", TOKEN,
                    "quarkus.datasource.jdbc.url", postgres != null ? postgres.jdbcUrl(schema)
                            : "jdbc:postgresql://127.0.0.1:5432/redis_migrate?currentSchema=" + schema,
                    "quarkus.flyway.schemas", schema));
            api.putAll(apiSettings);
            List<ServiceProcess> apiInstances = new ArrayList<>();
            for (int i = 0; i < apis; i++) {
                Map<String, String> instance = new HashMap<>(api);
                if (i == 0) { // the first one makes the schema; the others find it
                    instance.putAll(Map.of("quarkus.flyway.clean-at-start", "true", "quarkus.flyway.clean-disabled", "false"));
                }
                int port = RedisServer.freePort();
                // a consumer group member names its instance: a test can tell which one owns a partition
                instance.put("mp.messaging.incoming.events.client.id", "api-service-" + port);
                apiInstances.add(i == 0 ? ServiceProcess.launch("api-service", port, instance)
                        : ServiceProcess.start("api-service", port, instance));
                if (i == 0) {
                    apiInstances.get(0).awaitReady();
                    snapshots.forEach(ServiceProcess::awaitReady);
                    streams.forEach(ServiceProcess::awaitReady);
                }
            }
            MigrationService service = new MigrationService(apiInstances, snapshots, streams, prefix,
                    kafka != null ? kafka : "127.0.0.1:19092");
            SecretSearch.started(service); // searched for passwords at the class's end
            return service;
        }
    }

    /** The first api-service instance still alive. */
    ServiceProcess api() {
        return apis.stream().filter(ServiceProcess::isAlive).findFirst()
                .orElseThrow(() -> new IllegalStateException("no api-service instance alive"));
    }

    /** A request to api-service with the token and JSON content type. */
    RequestSpecification http() {
        return http(api());
    }

    /** A request to one api-service instance with the token and JSON content type. */
    RequestSpecification http(ServiceProcess instance) {
        return RestAssured.given().baseUri(instance.baseUrl()).auth().oauth2(TOKEN).contentType(ContentType.JSON);
    }

    /** GET /v2/databases/{id}/online-migration, expecting 200. */
    JsonPath onlineMigration(String databaseId) {
        return http().get("/v2/databases/{id}/online-migration", databaseId).then().statusCode(200).extract().jsonPath();
    }

    /** Registers {@code target} (with its password, if any) and starts migrating {@code source} into it. */
    Ids migrate(RedisServer source, RedisServer target) {
        return migrate(source, target, Map.of());
    }

    /** The same, with more fields in the PUT's body (e.g. "method"). */
    Ids migrate(RedisServer source, RedisServer target, Map<String, Object> more) {
        String databaseId = http().body(Map.of("name", "target", "engine", "redis", "connection",
                        connection(target, "ssl", false)))
                .post("/v2/databases").then().statusCode(201).extract().path("database.id");
        Map<String, Object> body = new HashMap<>(Map.of("source", connection(source, "dbname", "defaultdb"),
                "disable_ssl", true, "ignore_dbs", List.of()));
        body.putAll(more);
        String migrationId = http().body(body)
                .put("/v2/databases/{id}/online-migration", databaseId).then().statusCode(200).extract().path("id");
        return new Ids(databaseId, migrationId);
    }

    private static Map<String, Object> connection(RedisServer server, String extraKey, Object extraValue) {
        Map<String, Object> c = new HashMap<>(Map.of("host", server.host(), "port", server.port(), extraKey, extraValue));
        if (server.password() != null) {
            c.put("password", server.password());
        }
        return c;
    }

    record Ids(String database, String migration) {
    }

    /** Polls GET online-migration until the status is {@code status}. */
    void awaitStatus(Ids ids, String status, java.time.Duration timeout) throws InterruptedException {
        Await.until(timeout, () -> status.equals(onlineMigration(ids.database()).getString("status")),
                () -> status + ": " + history(ids.migration()));
    }

    /** The migration's history (GET /v2/migrations/{id}/events) as text. */
    String history(String migrationId) {
        return http().get("/v2/migrations/{id}/events", migrationId).then().statusCode(200).extract().asString();
    }

    /** POSTs a full verification of the migration and waits for its end (status done). */
    JsonPath verify(String migrationId) throws InterruptedException {
        String id = http().body("{\"mode\": \"full\"}").post("/v2/migrations/{id}/verify", migrationId)
                .then().statusCode(202).extract().path("id");
        Await.until(java.time.Duration.ofSeconds(60), () -> !"running".equals(latestVerification(migrationId).getString("status")),
                () -> "verification done: " + latestVerification(migrationId).prettify());
        JsonPath done = latestVerification(migrationId);
        org.junit.jupiter.api.Assertions.assertEquals(id, done.getString("id"));
        org.junit.jupiter.api.Assertions.assertEquals("done", done.getString("status"), done.prettify());
        return done;
    }

    private JsonPath latestVerification(String migrationId) {
        return http().get("/v2/migrations/{id}/verify", migrationId).then().statusCode(200).extract().jsonPath();
    }

    /** The worker instances ("pid@host") the migration's history names for a shard's step ("stream started from"). */
    java.util.Set<String> shardWorkers(String migrationId, String step) {
        return http().get("/v2/migrations/{id}/events", migrationId).then().statusCode(200).extract().jsonPath()
                .getList("events.message", String.class).stream()
                .filter(m -> m != null && m.startsWith("shard ") && m.contains(": " + step))
                .map(m -> m.substring(m.lastIndexOf('(') + 1, m.lastIndexOf(')')))
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    List<ServiceProcess> all() {
        List<ServiceProcess> all = new ArrayList<>(apis);
        all.addAll(snapshotWorkers);
        all.addAll(streamWorkers);
        return all;
    }

    /** The instance that reported {@code milestone} ("... (pid@host)") last in the migration's history. */
    ServiceProcess reporterOf(String migrationId, String milestone, List<ServiceProcess> instances) {
        return reporterOf(migrationId, m -> m.startsWith(milestone), instances);
    }

    /** The instance that reported {@code step} ("stream started") of source shard {@code shard} last. */
    ServiceProcess shardReporter(String migrationId, int shard, String step, List<ServiceProcess> instances) {
        // "shard 0 (slots 0-5460, master 127.0.0.1:7000): stream started from ... (pid@host)"
        return reporterOf(migrationId, m -> m.startsWith("shard " + shard + " ") && m.contains("): " + step), instances);
    }

    private ServiceProcess reporterOf(String migrationId, java.util.function.Predicate<String> milestone,
            List<ServiceProcess> instances) {
        String line = http().get("/v2/migrations/{id}/events", migrationId).then().statusCode(200).extract()
                .jsonPath().getList("events.message", String.class).stream()
                .filter(m -> m != null && milestone.test(m)).reduce((a, b) -> b).orElseThrow();
        return instances.stream().filter(p -> line.contains("(" + p.pid() + "@")).findFirst()
                .orElseThrow(() -> new AssertionError("no instance wrote: " + line));
    }

    /**
     * Stops the workers side by side (each a second or more of Quarkus's shutdown), then the api-service
     * instances, which take what the workers report as they stop.
     */
    @Override
    public void close() {
        List<ServiceProcess> workers = new ArrayList<>(snapshotWorkers);
        workers.addAll(streamWorkers);
        workers.forEach(ServiceProcess::stop);
        workers.forEach(ServiceProcess::awaitStopped);
        apis.forEach(ServiceProcess::stop);
        apis.forEach(ServiceProcess::awaitStopped);
    }
}

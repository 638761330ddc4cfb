package dev.redismigrate.system;

import dev.redismigrate.testing.RedisServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The whole service as a deployment runs it: api-service and one instance of each worker, each its
 * own JVM, talking through the real Kafka on 19092 and PostgreSQL on 5432. Topics, consumer groups
 * and the database schema carry a prefix of this run, so a running demo never mixes in.
 */
final class MigrationService implements AutoCloseable {
    static final String TOKEN = "system-test-token";

    private final List<ServiceProcess> services;
    final ServiceProcess api;

    private MigrationService(ServiceProcess api, ServiceProcess snapshot, ServiceProcess stream) {
        this.api = api;
        this.services = List.of(stream, snapshot, api);
    }

    static MigrationService start() {
        String prefix = "systest-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        Map<String, String> shared = Map.of("redis-migrate.topic-prefix", prefix);
        ServiceProcess snapshot = ServiceProcess.start("snapshot-worker", RedisServer.freePort(), shared);
        ServiceProcess stream = ServiceProcess.start("stream-worker", RedisServer.freePort(), shared);
        ServiceProcess api = ServiceProcess.start("api-service", RedisServer.freePort(), Map.of(
                "redis-migrate.topic-prefix", prefix,
                "redis-migrate.api.tokens", TOKEN,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:5432/redis_migrate?currentSchema=system_test",
                "quarkus.flyway.schemas", "system_test",
                "quarkus.flyway.clean-at-start", "true",
                "quarkus.flyway.clean-disabled", "false"));
        return new MigrationService(api, snapshot, stream);
    }

    @Override
    public void close() {
        services.forEach(ServiceProcess::close);
    }
}

package dev.redismigrate.api;

import static dev.redismigrate.api.support.Api.api;
import static dev.redismigrate.api.support.Api.registerTarget;
import static dev.redismigrate.api.support.Api.source;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.fail;

import dev.redismigrate.api.support.Kafka;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.testing.RedisServer;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** /q/metrics shows the migrations as PostgreSQL holds them (refreshed every second in tests). */
@QuarkusTest
class MigrationGaugesTest {
    private static RedisServer source;
    private static RedisServer target;

    @BeforeAll
    static void servers() {
        source = RedisServer.start();
        target = RedisServer.start();
    }

    @AfterAll
    static void stop() {
        source.close();
        target.close();
    }

    @Test
    void anActiveMigrationHasItsFiguresAndAnEndedOneDropsOut() {
        String targetId = registerTarget(target);
        String id = api().body(source(source, null)).put("/v2/databases/" + targetId + "/online-migration")
                .then().statusCode(200).extract().path("id");
        UUID uuid = UUID.fromString(id);
        String tags = "{database=\"" + targetId + "\",migration=\"" + id + "\"}";

        send(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_PROGRESS, "snap-1").withCopy(250, 1000, 4096));
        awaitMetrics(List.of("redis_migrate_migration_keys_copied" + tags + " 250.0",
                "redis_migrate_migration_source_keys" + tags + " 1000.0",
                "redis_migrate_migration_bytes_copied" + tags + " 4096.0",
                "redis_migrate_migration_snapshot_percent" + tags + " 25.0"), List.of());

        send(MigrationEvent.of(uuid, 1, EventType.SNAPSHOT_COMPLETED, "snap-1").withCopy(1000, 1000, 9000)
                .withOffset(new ReplicationOffset("8c1d5e1e7b2a4f3c9d0e6a5b4c3d2e1f0a9b8c7d", 500, 0)));
        send(MigrationEvent.of(uuid, 1, EventType.STREAM_PROGRESS, "stream-1")
                .withOffset(new ReplicationOffset("8c1d5e1e7b2a4f3c9d0e6a5b4c3d2e1f0a9b8c7d", 700, 0)).withStream(12, 333L).withLagParts(3L, 330L, 1.5));
        awaitMetrics(List.of("redis_migrate_migration_lag_bytes" + tags + " 333.0",
                "redis_migrate_migration_capture_lag_bytes" + tags + " 3.0",
                "redis_migrate_migration_apply_lag_bytes" + tags + " 330.0",
                "redis_migrate_migration_apply_lag_seconds" + tags + " 1.5",
                "redis_migrate_migration_commands_applied" + tags + " 12.0",
                "redis_migrate_migration_snapshot_percent" + tags + " 100.0"), List.of());

        api().delete("/v2/databases/" + targetId + "/online-migration/" + id).then().statusCode(204);
        awaitMetrics(List.of(), List.of("migration=\"" + id + "\""));
    }

    private static void send(MigrationEvent event) {
        Kafka.send(Kafka.topic("incoming", "events"), event.migrationId().toString(), MessageCodec.encode(event));
    }

    /** Waits until /q/metrics has every line of {@code present} and no line containing any of {@code absent}. */
    private static void awaitMetrics(List<String> present, List<String> absent) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String text = "";
        while (System.nanoTime() < deadline) {
            text = given().get("/q/metrics").then().statusCode(200).extract().asString();
            List<String> lines = text.lines().toList();
            if (lines.containsAll(present) && absent.stream().noneMatch(text::contains)) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        fail("/q/metrics never had " + present + " without " + absent + ":\n"
                + text.lines().filter(l -> l.startsWith("redis_migrate")).toList());
    }
}

package dev.redismigrate.worker.health;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.worker.MigrationTask;
import dev.redismigrate.worker.TaskRunner;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while every Redis server of the migrations running here answers PING, each on a fresh
 * connection (a task's own connection may be busy with a long pipeline). An instance with no
 * migration is ready. The data names the migration, the role and the address, never a password.
 */
@Readiness
@ApplicationScoped
public class RedisReadiness implements HealthCheck {
    private final TaskRunner tasks;
    private final RedisConnector connector;

    RedisReadiness(TaskRunner tasks, RedisConnector connector) {
        this.tasks = tasks;
        this.connector = connector;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("redis");
        boolean up = true;
        for (MigrationTask task : tasks.running()) {
            for (Map.Entry<String, RedisEndpoint> server : task.endpoints().entrySet()) {
                String name = task.migrationId() + " " + server.getKey();
                try (RedisLink link = connector.open(server.getValue(), "redis-migrate-health")) {
                    link.call("PING");
                    response.withData(name, server.getValue().address() + " answers");
                } catch (RedisAccessException e) {
                    up = false;
                    response.withData(name, e.getMessage());
                }
            }
        }
        return response.status(up).build();
    }
}

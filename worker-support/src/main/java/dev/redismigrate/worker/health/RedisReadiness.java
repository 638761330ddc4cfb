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
import org.jboss.logging.Logger;

/**
 * Ready while every Redis server of the migrations running here answers PING, each on a fresh
 * connection (a task's own connection may be busy with a long pipeline). An instance with no
 * migration is ready. /q/health is open to anyone who reaches the port, so its data are counts
 * only: no migration id, no address (which would inventory the fleet). Which server does not
 * answer, and why, goes to the log.
 */
@Readiness
@ApplicationScoped
public class RedisReadiness implements HealthCheck {
    private static final Logger LOG = Logger.getLogger(RedisReadiness.class);

    private final TaskRunner tasks;
    private final RedisConnector connector;

    RedisReadiness(TaskRunner tasks, RedisConnector connector) {
        this.tasks = tasks;
        this.connector = connector;
    }

    @Override
    public HealthCheckResponse call() {
        int migrations = 0;
        int servers = 0;
        int silent = 0;
        for (MigrationTask task : tasks.running()) {
            migrations++;
            for (Map.Entry<String, RedisEndpoint> server : task.endpoints().entrySet()) {
                servers++;
                try (RedisLink link = connector.open(server.getValue(), "redis-migrate-health")) {
                    link.call("PING");
                } catch (RedisAccessException e) {
                    silent++;
                    // the message names the address, never a password
                    LOG.warnf("readiness: the %s of migration %s does not answer: %s", server.getKey(),
                            task.migrationId(), e.getMessage());
                }
            }
        }
        HealthCheckResponseBuilder response = HealthCheckResponse.named("redis")
                .withData("migrations", migrations).withData("servers", servers)
                .withData("servers_not_answering", silent);
        return response.status(silent == 0).build();
    }
}

package dev.redismigrate.worker.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.worker.MigrationTask;
import dev.redismigrate.worker.TaskRunner;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

class RedisReadinessTest {
    private static final SecretCipher CIPHER = new SecretCipher("cmVhZGluZXNzLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc=");

    /** A task that only waits to be stopped, working with these servers. */
    private record WaitingTask(UUID migrationId, Map<String, RedisEndpoint> endpoints, CountDownLatch stopped)
            implements MigrationTask {
        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public void run() {
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void stop() {
            stopped.countDown();
        }
    }

    @Test
    void readyWhileTheServersOfRunningMigrationsAnswer() {
        TaskRunner tasks = new TaskRunner();
        try (RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(2), 1);
             RedisServer source = RedisServer.start("--requirepass", "readiness-secret");
             RedisServer target = RedisServer.start()) {
            RedisReadiness readiness = new RedisReadiness(tasks, connector);
            assertEquals(HealthCheckResponse.Status.UP, readiness.call().getStatus(), "nothing runs: ready");

            RedisEndpoint sourceEndpoint = new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("readiness-secret"), false);
            RedisEndpoint targetEndpoint = new RedisEndpoint(target.host(), target.port(), null, null, false);
            WaitingTask task = new WaitingTask(UUID.randomUUID(), Map.of("source", sourceEndpoint, "target", targetEndpoint),
                    new CountDownLatch(1));
            tasks.start(task);
            HealthCheckResponse up = readiness.call();
            assertEquals(HealthCheckResponse.Status.UP, up.getStatus(), up.getData().toString());
            assertEquals(Map.of("migrations", 1L, "servers", 2L, "servers_not_answering", 0L), up.getData().orElseThrow());

            target.close();
            HealthCheckResponse down = readiness.call();
            assertEquals(HealthCheckResponse.Status.DOWN, down.getStatus());
            // /q/health is open: counts only, no migration id, no address, no password
            Map<String, Object> data = down.getData().orElseThrow();
            assertEquals(Map.of("migrations", 1L, "servers", 2L, "servers_not_answering", 1L), data);
            String text = data.toString();
            for (String hidden : new String[] {task.migrationId().toString(), String.valueOf(source.port()),
                    String.valueOf(target.port()), source.host(), "readiness-secret"}) {
                assertTrue(!text.contains(hidden), hidden + " in " + text);
            }
            task.stop();
        }
    }
}

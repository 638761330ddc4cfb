package dev.redismigrate.stream;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a stream test class reaches its servers with, as a JUnit extension: a Redis connector, and a
 * checkpoint log on a topic of the class's own in the real Kafka that infra/test.sh starts. Opened
 * before the class's first test, closed after its last.
 * {@code @RegisterExtension static final StreamTestLinks LINKS = new StreamTestLinks();}
 */
final class StreamTestLinks implements BeforeAllCallback, AfterAllCallback {
    private RedisConnector connector;
    private CheckpointLog checkpoints;

    @Override
    public void beforeAll(ExtensionContext context) {
        connector = new RedisConnector(StreamReplayerTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        checkpoints = new CheckpointLog("127.0.0.1:19092", "stream-worker-test." + UUID.randomUUID() + ".checkpoints");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        connector.close();
        checkpoints.close();
    }

    RedisConnector connector() {
        return connector;
    }

    CheckpointLog checkpoints() {
        return checkpoints;
    }
}

package dev.redismigrate.verification;

import dev.redismigrate.common.redis.RedisConnector;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The connector of a test class's verifiers: opened before its tests, closed after them. */
final class TestConnector implements BeforeAllCallback, AfterAllCallback {
    private RedisConnector connector;

    @Override
    public void beforeAll(ExtensionContext context) {
        connector = new RedisConnector(VerifierTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        connector.close();
    }

    RedisConnector get() {
        return connector;
    }
}

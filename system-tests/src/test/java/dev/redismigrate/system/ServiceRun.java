package dev.redismigrate.system;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.secret.SecretCipher;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The services a test class runs against, as a JUnit extension: started before the class's first test,
 * closed after its last, with a connector for the test's own links to Redis (made on first use).
 * {@code @RegisterExtension static final ServiceRun RUN = ServiceRun.of(1, 2, Map.of());}
 */
final class ServiceRun implements BeforeAllCallback, AfterAllCallback {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    private final Supplier<MigrationService> starter;
    private MigrationService service;
    private RedisConnector connector;

    private ServiceRun(Supplier<MigrationService> starter) {
        this.starter = starter;
    }

    /** One instance of each service. */
    static ServiceRun standard() {
        return new ServiceRun(MigrationService::start);
    }

    /** @param apiSettings extra api-service configuration (e.g. a short worker silence for crash tests) */
    static ServiceRun of(int snapshotWorkers, int streamWorkers, Map<String, String> apiSettings) {
        return new ServiceRun(() -> MigrationService.start(snapshotWorkers, streamWorkers, apiSettings));
    }

    /** As the layout says (e.g. a worker setting: {@code MigrationService.with().snapshotWorker(key, value)}). */
    static ServiceRun of(MigrationService.Layout layout) {
        return new ServiceRun(layout::start);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        service = starter.get();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (connector != null) {
            connector.close();
        }
        if (service != null) {
            service.close();
        }
    }

    MigrationService service() {
        return service;
    }

    /** For the test's own links to its Redis servers (reading a cluster key by key, ...). */
    synchronized RedisConnector connector() {
        if (connector == null) {
            connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
        }
        return connector;
    }
}

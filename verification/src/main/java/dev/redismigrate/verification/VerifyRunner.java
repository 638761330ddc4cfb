package dev.redismigrate.verification;

import dev.redismigrate.common.threads.MigrationThreads;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import org.jboss.logging.Logger;

/**
 * Runs verifications, one thread each, by verification id: apart from the TaskRunner, whose
 * tasks are found by migration id, since a copy or stream of the same migration may run here too.
 */
@ApplicationScoped
public class VerifyRunner {
    private static final Logger LOG = Logger.getLogger(VerifyRunner.class);

    private final Map<UUID, Verifier> running = new ConcurrentHashMap<>();
    private final ExecutorService threads = MigrationThreads.pool("verification");

    /** @return false when this verification runs here already (a redelivered request) */
    public boolean start(Verifier verifier) {
        if (running.putIfAbsent(verifier.verificationId(), verifier) != null) {
            LOG.warnf("verification %s already runs here; request ignored", verifier.verificationId());
            return false;
        }
        MigrationThreads.execute(threads, verifier.migrationId(), () -> {
            try {
                verifier.run();
            } catch (RuntimeException e) {
                LOG.errorf("verification %s ended with %s", verifier.verificationId(), e.toString());
            } finally {
                running.remove(verifier.verificationId(), verifier);
            }
        });
        return true;
    }

    void onShutdown(@Observes ShutdownEvent event) {
        running.values().forEach(Verifier::stop);
        MigrationThreads.shutdown(threads);
    }
}

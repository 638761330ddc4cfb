package dev.redismigrate.verification;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Runs verifications, one thread each, by verification id: apart from the TaskRunner, whose
 * tasks are found by migration id, since a copy or stream of the same migration may run here too.
 */
@ApplicationScoped
public class VerifyRunner {
    private static final Logger LOG = Logger.getLogger(VerifyRunner.class);

    private final Map<UUID, Verifier> running = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "verification");
        t.setDaemon(true);
        return t;
    });

    /** @return false when this verification runs here already (a redelivered request) */
    public boolean start(Verifier verifier) {
        if (running.putIfAbsent(verifier.verificationId(), verifier) != null) {
            LOG.warnf("verification %s already runs here; request ignored", verifier.verificationId());
            return false;
        }
        threads.execute(() -> {
            MDC.put("migration", verifier.migrationId().toString());
            try {
                verifier.run();
            } catch (RuntimeException e) {
                LOG.errorf("verification %s ended with %s", verifier.verificationId(), e.toString());
            } finally {
                running.remove(verifier.verificationId(), verifier);
                MDC.remove("migration");
            }
        });
        return true;
    }

    void onShutdown(@Observes ShutdownEvent event) {
        running.values().forEach(Verifier::stop);
        threads.shutdown();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

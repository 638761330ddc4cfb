package dev.redismigrate.common.threads;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.Test;

/** Log lines name their migration: a pool's task has it in the MDC, and so do the timers it starts. */
class MigrationThreadsTest {

    @Test
    void aTaskAndItsTimerLogWithTheTasksMigrationAndThePoolThreadForgetsIt() throws Exception {
        UUID migration = UUID.randomUUID();
        ExecutorService pool = MigrationThreads.pool("test-pool");
        CompletableFuture<Object> inTask = new CompletableFuture<>();
        CompletableFuture<Object> inTimer = new CompletableFuture<>();
        MigrationThreads.execute(pool, migration, () -> {
            inTask.complete(MDC.get(MigrationThreads.MDC_KEY));
            ScheduledExecutorService timer = MigrationThreads.timer("test-timer");
            timer.schedule(() -> inTimer.complete(MDC.get(MigrationThreads.MDC_KEY)), 10, TimeUnit.MILLISECONDS);
            try {
                inTimer.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                inTimer.completeExceptionally(e);
            } finally {
                timer.shutdownNow();
            }
        });
        assertEquals(migration.toString(), inTask.get(5, TimeUnit.SECONDS));
        assertEquals(migration.toString(), inTimer.get(5, TimeUnit.SECONDS));

        CompletableFuture<Object> later = new CompletableFuture<>();
        pool.execute(() -> later.complete(String.valueOf(MDC.get(MigrationThreads.MDC_KEY))));
        assertEquals("null", later.get(5, TimeUnit.SECONDS), "a later task without a migration logs none");
        MigrationThreads.shutdown(pool);
    }
}

package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A target that answers nothing for a while mid-stream (a long command on it, a `DEBUG DIGEST` of
 * millions of keys, a stalled VM: here SIGSTOP) for longer than the api-service waits for a worker's
 * report: the stream worker keeps reporting while its apply waits, so the stream is not handed to
 * another instance (which could not reach the target either and ended the migration in `error`,
 * seen with the benchmark's 5,000,000 keys), and it goes on where it was once the target answers.
 */
class TargetHangTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(1, 1, Map.of(
            "redis-migrate.migration.worker-silence", "4s", "redis-migrate.migration.silence-check", "1s"));

    @Test
    void aTargetSilentLongerThanTheWorkerSilenceIsWaitedForNotHandedOver() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 5000 seed 32\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            try (SourceWriter writer = new SourceWriter(source)) {
                long before = writer.rounds();
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > before + 100, () -> "writes");
                hang(target);
                long after = writer.rounds();
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > after + 100, () -> "writes after the hang");
            }
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: " + RUN.service().history(ids.migration()));
            // and while the stream is idle (its reports then watch the target's keyspace themselves)
            hang(target);
            source.cli("SET", "after-the-idle-hang", "1");
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal after the idle hang: " + RUN.service().history(ids.migration()));
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));
            String history = RUN.service().history(ids.migration());
            assertFalse(history.contains("REASSIGNED"), "a silent target is not a dead worker: " + history);
        }
    }

    /** SIGSTOP for 12 s: three times the worker silence, a fifth of the reply timeout. */
    private static void hang(RedisServer target) throws InterruptedException {
        target.freeze(true);
        try {
            Thread.sleep(12_000);
        } finally {
            target.freeze(false);
        }
    }
}

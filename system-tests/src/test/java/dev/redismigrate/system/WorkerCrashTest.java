package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Workers die (kill -9) in the middle of their work; another instance takes the migration over
 * and the target still ends equal to the source, with no write lost and none applied twice.
 */
class WorkerCrashTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.of(MigrationService.with().snapshotWorkers(2).streamWorkers(2)
            .api("redis-migrate.migration.worker-silence", "4s").api("redis-migrate.migration.silence-check", "1s")
            .quickTakeover());

    @Test
    void aStreamWorkerKilledUnderLoadIsReplacedAndNothingIsLostOrDoubled() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("SET counter 0\nDEBUG POPULATE 1000 seed 16\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            Await.until(Duration.ofSeconds(60), () -> "syncing".equals(RUN.service().onlineMigration(ids.database()).getString("status")), () -> "syncing");

            try (SourceWriter writer = new SourceWriter(source)) {
                Await.until(Duration.ofSeconds(20), () -> writer.rounds() > 200, () -> "writes before the crash");
                ServiceProcess owner = RUN.service().reporterOf(ids.migration(), "stream started", RUN.service().streamWorkers);
                owner.kill();
                Await.until(Duration.ofSeconds(60), () -> history(ids.migration()).contains("REASSIGNED"), () -> "reassigned: " + history(ids.migration()));
                Await.until(Duration.ofSeconds(60), () -> countOf(history(ids.migration()), "stream started") >= 2,
                        () -> "a second stream started: " + history(ids.migration()));
                long atTakeover = writer.rounds();
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > atTakeover + 200, () -> "writes after the takeover");
            }
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: " + RUN.service().onlineMigration(ids.database()).prettify());
            assertEquals(source.cli("-n", "0", "GET", "live:counter").trim() + source.cli("-n", "1", "GET", "live:counter").trim(),
                    target.cli("-n", "0", "GET", "live:counter").trim() + target.cli("-n", "1", "GET", "live:counter").trim());
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));
        }
    }

    @Test
    void aSnapshotWorkerKilledMidCopyIsReplacedAndTheCopyEndsEqual() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 300000 bulk 100\nSELECT 2\nDEBUG POPULATE 100000 other 100\n");
            // The target takes writes 200 ms of every second until the kill: on a fast machine the whole
            // copy took 1.1 s, and a kill after the first progress report found it finished (06:33 CI).
            MigrationService.Ids ids;
            try (SlowTargetTest.SlowTarget slow = new SlowTargetTest.SlowTarget(target)) {
                ids = RUN.service().migrate(source, target);
                Await.until(Duration.ofSeconds(60), () -> RUN.service().onlineMigration(ids.database()).getLong("progress.keys_copied") > 0, () -> "copy under way");
                ServiceProcess owner = RUN.service().reporterOf(ids.migration(), "snapshot started", RUN.service().snapshotWorkers);
                source.cli("DEL", "bulk:7"); // deleted after the first attempt copied it, before the second copies
                assertTrue(!history(ids.migration()).contains("SNAPSHOT_COMPLETED"), "the copy still running at the kill");
                owner.kill();
            }
            Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(ids.database()).getString("status")),
                    () -> "syncing after the takeover: " + history(ids.migration()));
            assertTrue(history(ids.migration()).contains("REASSIGNED"), history(ids.migration()));
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()), () -> "digests equal");
            assertEquals("0", target.cli("EXISTS", "bulk:7").trim());
        }
    }

    @Test
    void aSourceThatCanNoLongerContinueTheStreamGetsANewFullSnapshot() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 2000 seed 16\nSET counter 1\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            Await.until(Duration.ofSeconds(60), () -> "syncing".equals(RUN.service().onlineMigration(ids.database()).getString("status")),
                    () -> "syncing");
            // a tiny backlog, the replication link cut, and 1 MB written before the stream can reconnect
            source.cliPipe(String.join("\n", "CONFIG SET repl-backlog-size 16384", "CLIENT KILL TYPE replica",
                    "EVAL \"redis.call('SET', 'big', string.rep('x', 1048576)) return 1\" 0", "INCR counter", ""));
            Await.until(Duration.ofSeconds(60), () -> history(ids.migration()).contains("a new full snapshot"),
                    () -> "a new snapshot: " + history(ids.migration()));
            Await.until(Duration.ofSeconds(90), () -> "syncing".equals(RUN.service().onlineMigration(ids.database()).getString("status")),
                    () -> "syncing again: " + history(ids.migration()));
            source.cli("INCR", "counter");
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()), () -> "digests equal");
            assertEquals("3", target.cli("GET", "counter").trim());
        }
    }

    private static String history(String migrationId) {
        return RUN.service().history(migrationId);
    }

    private static int countOf(String text, String part) {
        return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
    }

}

package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The source drops our connections and the target runs out of memory: the migration either
 * rides the fault out and ends equal, or stops in error saying why; nothing is silently dropped.
 */
class RedisFaultTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void theSourceClosingTheReplicationLinkMidCopyStillEndsEqual() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 500000 bulk 100\nSELECT 2\nDEBUG POPULATE 50000 other 100\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            // while the source still streams its RDB to us (the copy takes seconds for this many keys)
            Await.until(Duration.ofSeconds(60), () -> {
                String replication = source.cli("INFO", "replication");
                // a diskless sync: wait_bgsave while the child streams the RDB, online once it is read
                return replication.contains("slave0:") && !replication.contains("state=online");
            }, () -> "the RDB under way");
            // written after the copy began and before the link is cut: the copy must not resurrect them
            source.cliPipe("DEL bulk:1 bulk:2 bulk:3\nSET added-during-copy 1\n");
            source.cli("CLIENT", "KILL", "TYPE", "replica");
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(120));
            source.cli("SET", "after", "1");
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: " + RUN.service().history(ids.migration()));
            assertEquals("0", target.cli("EXISTS", "bulk:1").trim());
            assertTrue(RUN.service().history(ids.migration()).contains("the source closed the replication link; copying again from an emptied target"),
                    RUN.service().history(ids.migration()));
        }
    }

    @Test
    void theSourceClosingTheReplicationLinkMidStreamLosesNothing() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 5000 seed 32\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            try (SourceWriter writer = new SourceWriter(source)) {
                for (int i = 0; i < 3; i++) {
                    long from = writer.rounds();
                    Await.until(Duration.ofSeconds(30), () -> writer.rounds() > from + 100, () -> "writes");
                    // a cut while the stream reconnects would cut nothing: wait for its link, then cut exactly it
                    Await.until(Duration.ofSeconds(30), () -> stat(source, "replication", "connected_slaves").equals("1"),
                            () -> "the stream's replication link open");
                    assertEquals("1", source.cli("CLIENT", "KILL", "TYPE", "replica").trim(), "one link cut");
                }
                Await.until(Duration.ofSeconds(30), () -> stat(source, "replication", "connected_slaves").equals("1"),
                        () -> "the stream's link open again after the third cut");
            }
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()), () -> "digests equal");
            String history = RUN.service().history(ids.migration());
            assertFalse(history.contains("new full snapshot"), "the stream continued where it was: " + history);
            assertFalse(history.contains("REASSIGNED"), "the same worker reconnected, no hand-over: " + history);
            // one full sync (the snapshot's); the stream's start and each of the three reconnects continued (PSYNC)
            assertEquals("1", stat(source, "stats", "sync_full"));
            assertEquals("4", stat(source, "stats", "sync_partial_ok"));
            assertEquals("syncing", RUN.service().onlineMigration(ids.database()).getString("status"));
        }
    }

    @Test
    void aTargetRestartedEmptyWhileTheStreamIsIdleEndsTheMigrationInErrorSayingSo() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 1000 seed 32\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            source.cli("SET", "after", "1");
            // idle: the stream's checkpoint has left the target (it equals the source), nothing in it to miss
            Await.until(Duration.ofSeconds(30), () -> source.digest().equals(target.digest()), () -> "the idle target equal");
            Thread.sleep(1500); // past the progress tick that moved the checkpoint out
            target.restartEmpty();
            RUN.service().awaitStatus(ids, "error", Duration.ofSeconds(15));
            JsonPath failed = RUN.service().onlineMigration(ids.database());
            assertTrue(failed.getString("error").contains("the target " + target.host() + ":" + target.port() + " lost its data"),
                    failed.prettify());
        }
    }

    /**
     * The scan method keeps no checkpoint in the target: a target restarted empty mid-stream (every key
     * gone, its connections cut, back on its port) is told by its server process (run_id) and copied
     * again by a new attempt, never left looking caught up. The restart happens while the source takes
     * writes, so the changed-key copies go on reaching the emptied target until it is told.
     */
    @Test
    void aTargetRestartedEmptyWhileTheScanMethodStreamsIsCopiedAgain() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 1000 seed 32\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target, java.util.Map.of("method", "scan"));
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            try (SourceWriter writer = new SourceWriter(source)) {
                long rounds = writer.rounds();
                Await.until(Duration.ofSeconds(30), () -> writer.rounds() > rounds + 100, () -> "writes while syncing");
                target.restartEmpty();
                Await.until(Duration.ofSeconds(30), () -> RUN.service().history(ids.migration()).contains("a new full snapshot"),
                        () -> "copied again: " + RUN.service().history(ids.migration()));
            }
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            Await.until(Duration.ofSeconds(60), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: " + RUN.service().history(ids.migration()));
            assertTrue(Long.parseLong(target.cli("DBSIZE").trim()) >= 1000, "everything copied again, not only the changed keys");
            String history = RUN.service().history(ids.migration());
            assertTrue(history.contains("is served by another server process"), history);
        }
    }

    /** A field of INFO's section. */
    private static String stat(RedisServer server, String section, String name) {
        return server.cli("INFO", section).lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .map(l -> l.substring(name.length() + 1).trim()).orElseThrow();
    }

    @Test
    void aTargetOutOfMemoryEndsTheMigrationInErrorWithTheReason() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start("--maxmemory-policy", "noeviction")) {
            source.cliPipe("DEBUG POPULATE 1000 seed 32\n");
            MigrationService.Ids ids = RUN.service().migrate(source, target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(60));
            long used = Long.parseLong(target.cli("MEMORY", "STATS").lines().dropWhile(l -> !l.equals("total.allocated"))
                    .skip(1).findFirst().orElseThrow().trim());
            target.cli("CONFIG", "SET", "maxmemory", Long.toString(used + 512 * 1024));
            source.cli("EVAL", "for i = 1, 40000 do redis.call('SET', 'big:' .. i, string.rep('x', 100)) end return 1", "0");
            RUN.service().awaitStatus(ids, "error", Duration.ofSeconds(60));
            JsonPath failed = RUN.service().onlineMigration(ids.database());
            assertTrue(failed.getString("error").contains("maxmemory"), failed.prettify());
        }
    }
}

package dev.redismigrate.system;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.testing.RedisServer;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Complete end to end, by replication and by scan: under a steady write load the source's writes
 * are paused, the apply reaches the switch point, the workers stop, the migration is done, and the
 * source takes writes again. The target equals the source as of the switch point: the writes made
 * after it are the tail of one list (the load appends 0, 1, 2, ... to it), so with that tail cut
 * off the source is digest-equal to the target, and the target's list has no gap.
 */
class CompletionFlowTest {
    @RegisterExtension
    static final ServiceRun RUN = ServiceRun.standard();

    @Test
    void byReplicationWithAPauseAndAFullVerification() throws Exception {
        try (RedisServer source = RedisServer.start("--requirepass", "source-pass");
             RedisServer target = RedisServer.start()) {
            completesExactly(source, target, "replication", Map.of("pause_source_writes", "30s", "verify", "full"));
        }
    }

    @Test
    void byScanWithAPause() throws Exception {
        try (RedisServer source = RedisServer.start("--rename-command", "PSYNC", "", "--rename-command", "SYNC", "");
             RedisServer target = RedisServer.start()) {
            completesExactly(source, target, "scan", Map.of("pause_source_writes", "20s"));
        }
    }

    private static void completesExactly(RedisServer source, RedisServer target, String method, Map<String, Object> body)
            throws Exception {
        OnlineMigrationFlowTest.seed(source);
        MigrationService.Ids ids;
        try (SourceWriter mix = new SourceWriter(source, true)) {
            ids = RUN.service().migrate(source, target);
            RUN.service().awaitStatus(ids, "syncing", Duration.ofSeconds(90));
            long rounds = mix.rounds();
            Await.until(Duration.ofSeconds(30), () -> mix.rounds() > rounds + 100, () -> "writes while syncing");
        }
        assertEquals(method, RUN.service().onlineMigration(ids.database()).getString("method"));
        try (ListAppender load = new ListAppender(source, ListAppender.KEY)) {
            Await.until(Duration.ofSeconds(10), () -> load.appended() > 100, () -> "the load runs");
            JsonPath begun = RUN.service().http().body(body)
                    .post("/v2/databases/{id}/online-migration/{mid}/complete", ids.database(), ids.migration())
                    .then().statusCode(202).body("completion.step", equalTo("waiting_for_offset")).extract().jsonPath();
            assertEquals("syncing", begun.getString("status"));
            RUN.service().awaitStatus(ids, "done", Duration.ofSeconds(60));
            JsonPath done = RUN.service().onlineMigration(ids.database());
            assertTrue(done.getString("completed_at") != null, done.prettify());
            if (method.equals("replication")) {
                assertTrue(done.getLong("final_offset") > 0, done.prettify());
            }
            // writable again: the load goes on, and so does a write of ours
            long appended = load.appended();
            Await.until(Duration.ofSeconds(10), () -> load.appended() > appended + 100, () -> "the source takes writes again");
            assertEquals("OK", source.cli("SET", "after:complete", "1").trim());
        }
        String history = RUN.service().history(ids.migration());
        assertTrue(history.contains("waiting for the apply to reach") || history.contains("waiting until no changed key"), history);
        assertTrue(history.contains("stopping the workers"), history);
        if (body.containsKey("verify")) {
            assertTrue(history.contains("verifying (full)"), history);
        }

        // the target stopped at the switch point: its list is a prefix 0..n-1 of the source's, the rest came after
        long onTarget = Long.parseLong(target.cli("LLEN", ListAppender.KEY).trim());
        long onSource = Long.parseLong(source.cli("LLEN", ListAppender.KEY).trim());
        assertTrue(onTarget > 100 && onSource > onTarget, "target " + onTarget + ", source " + onSource);
        assertEquals(Long.toString(onTarget - 1), target.cli("LINDEX", ListAppender.KEY, "-1").trim(), "no gap");
        assertEquals(Long.toString(onTarget - 1), source.cli("LINDEX", ListAppender.KEY, Long.toString(onTarget - 1)).trim());
        Await.never(Duration.ofSeconds(2), () -> !target.cli("EXISTS", "after:complete").trim().equals("0"),
                () -> "a write after the completion reached the target");
        source.cli("DEL", "after:complete");
        source.cli("LTRIM", ListAppender.KEY, "0", Long.toString(onTarget - 1));
        Await.until(Duration.ofSeconds(20), () -> source.digest().equals(target.digest()),
                () -> "digest-equal once the writes after the switch point are cut off: source " + source.digest()
                        + " target " + target.digest());
    }
}

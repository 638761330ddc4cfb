package dev.redismigrate.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The stream's change log (a Kafka topic per migration between the capture and the apply) under
 * faults: its broker restarted mid-stream, the stream worker holding it killed under load, and its
 * size as the apply catches up and after the migration ends. Each fault ends with the target equal
 * to the source, counters exact (no command lost or applied twice) and no new snapshot (the source
 * served one full sync). The broker is the class's own, so it can be stopped; the shared one is
 * never touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChangeLogFaultTest {
    static PrivateKafka kafka;
    static MigrationService service;

    @BeforeAll
    static void start() {
        kafka = new PrivateKafka();
        // two stream workers, one to take over from the other; a silent worker handed over after 4 s
        service = MigrationService.with().kafka(kafka.bootstrap()).streamWorkers(2)
                .api("redis-migrate.migration.worker-silence", "4s").api("redis-migrate.migration.silence-check", "1s")
                .quickTakeover().start();
    }

    @AfterAll
    static void stop() {
        try {
            if (service != null) {
                SecretSearch.searchKafkaBeforeItStops(service);
                service.close();
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    @Test
    @Order(1)
    void kafkaRestartedMidStreamLosesNothingAndNeedsNoNewSnapshot() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 5000 seed 32\n");
            MigrationService.Ids ids = service.migrate(source, target);
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(90));
            long rounds;
            try (SourceWriter writer = new SourceWriter(source)) {
                awaitRounds(writer, 200);
                // the capture's appends wait in its producer, the apply finds nothing new; with this class's
                // 4 s worker silence the api-service may hand the stream over once Kafka is back (its own
                // consumer rejoins late): then the new attempt continues from the same log, equally exact
                kafka.stop();
                awaitRounds(writer, 300);
                kafka.start();
                awaitRounds(writer, 300);
                rounds = stopped(writer);
            }
            awaitEqualAndExact(source, target, ids, rounds);
            assertOneSnapshot(source, ids);
        }
    }

    @Test
    @Order(2)
    void theChangeLogShrinksAsTheApplyCatchesUpAndIsGoneAfterDelete() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 5000 seed 32\n");
            MigrationService.Ids ids = service.migrate(source, target);
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(90));
            KafkaView broker = new KafkaView(kafka.bootstrap());
            String changeLog = service.topic(Topics.CHANGE_LOG_PREFIX + ids.migration());
            assertTrue(broker.exists(changeLog), changeLog + " exists while the migration runs");
            // the most records kept during the burst, and the log's end then (read together: a start read
            // after the end could be past a trim that came between, and the end it implied never existed)
            long[] peak = new long[2];
            try (SlowTargetTest.SlowTarget slow = new SlowTargetTest.SlowTarget(target);
                 SlowTargetTest.BulkLoad burst = new SlowTargetTest.BulkLoad(source)) {
                // a target paused for writes 800 ms of every second: the burst waits in the change log
                Await.until(Duration.ofSeconds(60), () -> {
                    long start = broker.startOffset(changeLog);
                    long endNow = broker.endOffsets(changeLog);
                    if (endNow - start > peak[0]) {
                        peak[0] = endNow - start;
                        peak[1] = endNow;
                    }
                    return burst.bytesWritten() > 4_000_000 && peak[0] >= 5;
                }, () -> "a 4 MB burst held in the change log (records kept at most " + peak[0] + ")");
            }
            Await.until(Duration.ofSeconds(120), () -> source.digest().equals(target.digest()),
                    () -> "digests equal: " + service.history(ids.migration()));
            // applied records are deleted behind the checkpoint: the log's start rises past what the burst
            // held, and what is kept falls back to (nearly) nothing, not to the migration's whole history
            // one more write: while idle, the source's replication PINGs (every 10 s) only pile up tiny records
            // that the next applied batch covers; this write is that batch
            source.cli("SET", "after-the-burst", "1");
            long end = broker.endOffsets(changeLog);
            Await.until(Duration.ofSeconds(30), () -> broker.startOffset(changeLog) >= peak[1]
                    && kept(broker, changeLog) <= 2, () -> "the change log trimmed (start " + broker.startOffset(changeLog)
                    + ", end " + broker.endOffsets(changeLog) + "; during the burst " + peak[0] + " records kept up to "
                    + peak[1] + ")");
            assertTrue(end > peak[0], "the burst went through the change log: " + end + " records");
            assertOneSnapshot(source, ids);

            service.http().delete("/v2/databases/{id}/online-migration/{mid}", ids.database(), ids.migration())
                    .then().statusCode(204);
            Await.until(Duration.ofSeconds(60), () -> !broker.exists(changeLog),
                    () -> changeLog + " deleted after the migration was stopped: " + service.history(ids.migration()));
        }
    }

    @Test
    @Order(3) // last: the killed instance's consumer-group partitions wait for Kafka's session time-out
    void aStreamWorkerKilledUnderLoadIsTakenOverFromTheChangeLogWithoutANewSnapshot() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 5000 seed 32\n");
            MigrationService.Ids ids = service.migrate(source, target);
            service.awaitStatus(ids, "syncing", Duration.ofSeconds(90));
            long rounds;
            try (SourceWriter writer = new SourceWriter(source)) {
                awaitRounds(writer, 300);
                ServiceProcess owner = service.reporterOf(ids.migration(), "stream started", service.streamWorkers);
                owner.kill(); // capture and apply die at once, mid-record
                Await.until(Duration.ofSeconds(60), () -> service.history(ids.migration()).contains("REASSIGNED"),
                        () -> "reassigned: " + service.history(ids.migration()));
                Await.until(Duration.ofSeconds(60), () -> countOf(service.history(ids.migration()), "stream started") >= 2,
                        () -> "a second stream started: " + service.history(ids.migration()));
                assertTrue(service.reporterOf(ids.migration(), "stream started", service.streamWorkers) != owner,
                        "the other instance took over");
                awaitRounds(writer, 300);
                rounds = stopped(writer);
            }
            awaitEqualAndExact(source, target, ids, rounds);
            assertOneSnapshot(source, ids);
            assertEquals("syncing", service.onlineMigration(ids.database()).getString("status"));
        }
    }

    /**
     * Digests equal, and the writer's counters (INCR live:counter once a round, INCRBY live:tx 2 in a
     * MULTI once a round, each alternating db 0 and 1) exactly what it wrote: a command applied twice
     * or lost would show here even where a digest taken later might not tell which.
     */
    private static void awaitEqualAndExact(RedisServer source, RedisServer target, MigrationService.Ids ids, long rounds)
            throws InterruptedException {
        Await.until(Duration.ofSeconds(90), () -> source.digest().equals(target.digest()),
                () -> "digests equal: " + service.history(ids.migration()));
        assertEquals(rounds, sum(source, "live:counter"), "the writer's own count");
        assertEquals(rounds, sum(target, "live:counter"), "INCR applied exactly once each");
        assertEquals(2 * rounds, sum(target, "live:tx"), "INCRBY in MULTI applied exactly once each");
    }

    /** No new snapshot: the source served one full sync, and the history has one copy. */
    private static void assertOneSnapshot(RedisServer source, MigrationService.Ids ids) {
        String history = service.history(ids.migration());
        assertEquals("1", info(source, "sync_full"), "one full sync only: " + history);
        assertEquals(1, countOf(history, "snapshot started"), history);
        assertFalse(history.contains("OFFSET_LOST") || history.contains("FAILED"), history);
    }

    private static long stopped(SourceWriter writer) throws InterruptedException {
        writer.close();
        return writer.rounds();
    }

    private static long kept(KafkaView broker, String topic) {
        return broker.endOffsets(topic) - broker.startOffset(topic);
    }

    private static long sum(RedisServer server, String key) {
        long sum = 0;
        for (String db : new String[] {"0", "1"}) {
            String v = server.cli("-n", db, "GET", key).trim();
            sum += v.isEmpty() ? 0 : Long.parseLong(v);
        }
        return sum;
    }

    private static String info(RedisServer server, String field) {
        return server.cli("INFO", "stats").lines().filter(l -> l.startsWith(field + ":")).findFirst()
                .map(l -> l.substring(field.length() + 1).trim()).orElse("");
    }

    private static int countOf(String text, String part) {
        return text.split(Pattern.quote(part), -1).length - 1;
    }

    private static void awaitRounds(SourceWriter writer, long more) throws InterruptedException {
        long from = writer.rounds();
        Await.until(Duration.ofSeconds(60), () -> writer.rounds() >= from + more, () -> more + " more rounds of writes");
    }
}

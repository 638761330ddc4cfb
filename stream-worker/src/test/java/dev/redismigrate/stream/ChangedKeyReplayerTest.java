package dev.redismigrate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.redismigrate.stream.StreamReplayerTest.await;
import static dev.redismigrate.stream.StreamReplayerTest.holdsFor;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.stream.scan.ChangeCopyConfig;
import dev.redismigrate.stream.scan.ChangedKeyReplayer;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scan method's stream against real redis-servers (the source refusing PSYNC) and the real
 * Kafka: changes made before, during and after the scan all reach the target.
 */
class ChangedKeyReplayerTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    static RedisConnector connector;
    static ChangedKeysLog changedKeys;

    @BeforeAll
    static void connector() {
        connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        changedKeys = new ChangedKeysLog("127.0.0.1:19092", "changed-key-replayer-test." + UUID.randomUUID() + ".changed-keys");
    }

    @AfterAll
    static void close() {
        connector.close();
        changedKeys.close();
    }

    @Test
    void changesBeforeDuringAndAfterTheScanAreCopiedAgainIncludingDeletesAndExpiries() throws Exception {
        // written type by type here (the system test covers RESTORE)
        try (RedisServer source = RedisServer.start("--requirepass", "pw", "--rename-command", "PSYNC", "",
                "--rename-command", "SYNC", "");
             RedisServer target = RedisServer.start()) {
            target.cli("-n", "7", "SET", "ignored", "mine");
            source.cliPipe("SET counter 0\nRPUSH list a\nSET doomed 1\nSET \"bin\\x00key\" v\nSELECT 2\nSET in:db2 1\n"
                    + "SELECT 7\nSET ignored 1\n");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            UUID migration = UUID.randomUUID();
            // a scan in two parts: the copy waits for the end of both
            StreamRequest request = new StreamRequest(migration, 1, endpoint(source, "pw"), endpoint(target, null), Set.of(7),
                    null, MigrationMethod.SCAN, 2);
            ChangedKeyReplayer replayer = new ChangedKeyReplayer(request, connector, events::add, changedKeys,
                    StreamReplayerTest.config(), changeConfig(3, true));
            Thread thread = startCapturing(replayer, events);
            assertTrue(source.cli("CONFIG", "GET", "notify-keyspace-events").contains("E"), "notifications enabled");

            // before the scan reaches them
            source.cliPipe("INCR counter\nRPUSH list b\nSET created:early 1\n");
            // the "scan": a copy of what the source holds now (the target's migrated dbs)
            source.cliPipe("MIGRATE " + target.host() + " " + target.port() + " \"\" 0 5000 COPY REPLACE AUTH pw KEYS counter list "
                    + "doomed \"bin\\x00key\" created:early\n");
            source.cli("-n", "2", "MIGRATE", target.host(), Integer.toString(target.port()), "", "2", "5000", "COPY", "AUTH", "pw",
                    "KEYS", "in:db2");
            // after the scan passed them, before it ends
            source.cliPipe("INCR counter\nDEL doomed\nSET \"bin\\x00key\" changed\nSELECT 2\nSET in:db2 2\nSET new:db2 x\n"
                    + "SELECT 7\nSET ignored 2\n");
            // the replayer reads changes every 100 ms: a second of the target unchanged shows it waits for the scan's end
            holdsFor(Duration.ofSeconds(1), () -> !has(events, EventType.STREAM_STARTED)
                    && target.cli("GET", "counter").trim().equals("1") && target.cli("EXISTS", "doomed").trim().equals("1")
                    && target.cliPipe("GET \"bin\\x00key\"\n").trim().equals("v")
                    && target.cli("-n", "2", "GET", "in:db2").trim().equals("1")
                    && target.cli("-n", "2", "EXISTS", "new:db2").trim().equals("0"), "nothing is copied again before the scan's end");
            changedKeys.appendAndWait(ChangedKey.scanCompleted(migration, 1, 1));
            changedKeys.appendAndWait(ChangedKey.scanCompleted(migration, 1, 0));
            await(() -> has(events, EventType.STREAM_STARTED), "copy of changed keys started");
            // after the scan
            source.cliPipe("INCR counter\nLPUSH list z\nSET short v PX 300\nSET kept v EX 1000\nHSET hash f v\nDEL list\n"
                    + "RPUSH list again\n");

            await(() -> source.cli("EXISTS", "short").trim().equals("0"), "the short key expired on the source");
            await(() -> target.cli("GET", "counter").trim().equals("3"), "the last increment copied");
            assertEquals("mine", target.cli("-n", "7", "GET", "ignored").trim(), "an ignored db is left alone");
            source.cli("-n", "7", "DEL", "ignored");
            target.cli("-n", "7", "DEL", "ignored");
            await(() -> source.digest().equals(target.digest()), "target equal to the source");
            assertEquals("changed", target.cliPipe("GET \"bin\\x00key\"\n").trim());
            long sourceTtl = Long.parseLong(source.cli("PTTL", "kept").trim());
            long targetTtl = Long.parseLong(target.cli("PTTL", "kept").trim());
            assertTrue(Math.abs(sourceTtl - targetTtl) < 1000, sourceTtl + " vs " + targetTtl);
            await(() -> events.stream().anyMatch(e -> e.type() == EventType.STREAM_PROGRESS && e.pendingKeys() == 0
                    && e.commandsApplied() > 0 && e.lagSeconds() == 0), "no change pending reported");

            replayer.stop();
            thread.join(10_000);
            assertFalse(thread.isAlive());
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type());
        }
    }

    /**
     * The target's connections cut three times while changed keys are copied (a proxy restart, a
     * managed failover): the writer reconnects and copies the batch again (a key's copy is its whole
     * value, so twice changes nothing); no failure, nothing lost.
     */
    @Test
    void theTargetsConnectionsCutUnderChangesAreReconnectedAndNothingIsLost() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ChangedKeyReplayer replayer = replayer(source, target, events);
            Thread thread = copyingChanges(replayer, events);
            for (int cut = 1; cut <= 3; cut++) {
                StringBuilder writes = new StringBuilder();
                for (int i = 0; i < 2000; i++) {
                    writes.append("INCR counter:").append(i % 50).append('\n').append("RPUSH list:").append(i % 20).append(" v\n");
                }
                source.cliPipe(writes.toString());
                int round = cut;
                await(() -> !target.cli("GET", "counter:0").isBlank(), "changes reach the target before cut " + round);
                // every client but this one: the replayer's writer among them, once it has reconnected after the last cut
                await(() -> Integer.parseInt(target.cli("CLIENT", "KILL", "TYPE", "normal").trim()) >= 1, "a connection cut");
            }
            await(() -> source.digest().equals(target.digest()), "target equal to the source");
            assertEquals("120", target.cli("GET", "counter:0").trim());
            assertFalse(has(events, EventType.FAILED) || has(events, EventType.OFFSET_LOST), () -> "events: " + events);
            replayer.stop();
            thread.join(10_000);
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
        }
    }

    /**
     * Asked to stop while the target is down and the writer waits to reconnect (a DELETE during a
     * target's outage): the attempt ends stopped at once, not failed with "lost the target for more
     * than 20 s" (seen in a CI run, when the stop came between two reconnects).
     */
    @Test
    void aStopWhileTheTargetIsDownEndsTheAttemptStoppedNotFailed() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ChangedKeyReplayer replayer = replayer(source, target, events);
            Thread thread = copyingChanges(replayer, events);
            oneChangeCopied(source, target);
            target.kill();
            source.cli("SET", "during", "1"); // its copy meets the dead target: the writer waits to reconnect
            Thread.sleep(1500);
            replayer.stop();
            thread.join(10_000);
            assertFalse(thread.isAlive(), "the stop ended the attempt");
            assertFalse(has(events, EventType.FAILED), () -> "events: " + events);
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
        }
    }

    /**
     * A source that refuses reads for now (here MASTERDOWN: a replica whose master died, serving no
     * stale data; on a cluster CLUSTERDOWN while another shard's master fails over) has lost no
     * change: its keys are read again until it answers, no OFFSET_LOST.
     */
    @Test
    void keysASourceRefusesForNowAreReadAgainUntilItAnswers() throws Exception {
        try (RedisServer master = RedisServer.start(); RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cli("REPLICAOF", master.host(), Integer.toString(master.port()));
            await(() -> source.cli("INFO", "replication").contains("master_link_status:up"), "the source replicates");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            UUID migration = UUID.randomUUID();
            StreamRequest request = new StreamRequest(migration, 1, endpoint(source, null), endpoint(target, null), Set.of(),
                    null, MigrationMethod.SCAN, 1);
            ChangedKeyReplayer replayer = new ChangedKeyReplayer(request, connector, events::add, changedKeys,
                    StreamReplayerTest.config(), changeConfig(100, false)).waitingOutClusterDown(Duration.ofSeconds(20));
            Thread thread = startCapturing(replayer, events);
            master.cliPipe("SET a 1\nSET b 2\nHSET h f v\nSET t v EX 1000\n"); // changes the source hears of
            await(() -> source.cli("DBSIZE").trim().equals("4"), "the changes replicated");
            source.cli("CONFIG", "SET", "replica-serve-stale-data", "no");
            master.kill();
            await(() -> source.cli("GET", "a").contains("MASTERDOWN"), "the source refuses reads for now");
            changedKeys.appendAndWait(ChangedKey.scanCompleted(migration, 1, 0));
            await(() -> has(events, EventType.STREAM_STARTED), "copy of changed keys started");
            holdsFor(Duration.ofSeconds(1), () -> target.cli("DBSIZE").trim().equals("0") && !has(events, EventType.OFFSET_LOST),
                    "the keys wait for the source");
            source.cli("REPLICAOF", "NO", "ONE"); // answers again

            await(() -> source.digest().equals(target.digest()), "target equal to the source");
            assertFalse(has(events, EventType.OFFSET_LOST), () -> "events: " + events);
            replayer.stop();
            thread.join(10_000);
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
        }
    }

    /**
     * A target restarted empty under changes: the changed-key copies go on into it, and no checkpoint
     * there tells what it lost; its new server process does, within a progress tick: OFFSET_LOST.
     */
    @Test
    void aTargetRestartedEmptyIsAGapThatIsReported() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ChangedKeyReplayer replayer = replayer(source, target, events);
            Thread thread = copyingChanges(replayer, events);
            oneChangeCopied(source, target);
            target.restartEmpty();
            source.cli("SET", "after", "1");
            thread.join(10_000);
            assertFalse(thread.isAlive(), () -> "the attempt ended: " + events);
            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.OFFSET_LOST, last.type(), () -> "events: " + events);
            assertTrue(last.message().contains("is served by another server process"), last.message());
        }
    }

    /**
     * The same process, its keys gone while no changed key is copied (a FLUSHALL by someone else): OFFSET_LOST.
     * A target emptied by the copies themselves (the source's own DEL) is not.
     */
    @Test
    void aTargetEmptiedByAnotherClientWhileQuietIsAGapThatIsReported() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ChangedKeyReplayer replayer = replayer(source, target, events);
            Thread thread = copyingChanges(replayer, events);
            oneChangeCopied(source, target);
            source.cli("DEL", "before");
            await(() -> target.cli("DBSIZE").trim().equals("0"), "the source's DEL copied");
            Thread.sleep(1000); // quiet ticks (every 200 ms) on a target the copies emptied
            assertTrue(thread.isAlive() && !has(events, EventType.OFFSET_LOST), () -> "emptied by the source: " + events);

            oneChangeCopied(source, target);
            Thread.sleep(1000); // a quiet tick took what the target holds
            target.cli("FLUSHALL");
            thread.join(10_000);
            assertFalse(thread.isAlive(), () -> "the attempt ended: " + events);
            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.OFFSET_LOST, last.type(), () -> "events: " + events);
            assertTrue(last.message().contains("lost its data while no changed key was copied: its migrated dbs held 1 keys"),
                    last.message());
        }
    }

    @Test
    void aLostSubscriptionIsAGapThatIsReported() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            ChangedKeyReplayer replayer = new ChangedKeyReplayer(new StreamRequest(UUID.randomUUID(), 1, endpoint(source, null),
                    endpoint(target, null), Set.of(), null, MigrationMethod.SCAN, null), connector, events::add, changedKeys,
                    StreamReplayerTest.config(), changeConfig(100, false));
            Thread thread = startCapture(replayer, events);
            source.cli("CLIENT", "KILL", "TYPE", "pubsub");
            thread.join(10_000);
            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.OFFSET_LOST, last.type(), () -> "events: " + events);
            assertTrue(last.message().contains("subscription"), last.message());
        }
    }

    @Test
    void aSourceThatHidesItsConfigButSendsNotificationsIsCapturedAfterAProbe() throws Exception {
        try (RedisServer source = RedisServer.start("--notify-keyspace-events", "KEA", "--rename-command", "CONFIG", "");
             RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            UUID migration = UUID.randomUUID();
            String probe = "redis-migrate:notify-probe:" + migration;
            ChangedKeyReplayer replayer = new ChangedKeyReplayer(new StreamRequest(migration, 1, endpoint(source, null),
                    endpoint(target, null), Set.of(), null, MigrationMethod.SCAN, null), connector, events::add, changedKeys,
                    StreamReplayerTest.config(), changeConfig(100, false));
            Thread thread = startCapture(replayer, events);
            assertEquals("0", source.cli("EXISTS", probe).trim(), "the probe key is gone from the source");
            assertEquals("0", source.cli("DBSIZE").trim());

            // the scan ends: the probe is not among the changes to copy, and nothing reaches the target
            changedKeys.appendAndWait(ChangedKey.scanCompleted(migration, 1, 0));
            await(() -> has(events, EventType.STREAM_STARTED), "copy of changed keys started");
            MigrationEvent started = events.stream().filter(e -> e.type() == EventType.STREAM_STARTED).findFirst().orElseThrow();
            assertEquals("0 keys changed during the scan", started.message());
            assertEquals("0", target.cli("EXISTS", probe).trim(), "the probe key never reaches the target");
            assertFalse(target.cli("INFO", "commandstats").matches("(?s).*cmdstat_(set|restore|del):.*"), "nothing written");
            replayer.stop();
            thread.join(10_000);
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
        }
    }

    @Test
    void notificationsOffOnASourceThatRefusesConfigFailWithWhatToSet() {
        try (RedisServer source = RedisServer.start("--rename-command", "CONFIG", "");
             RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            new ChangedKeyReplayer(new StreamRequest(UUID.randomUUID(), 1, endpoint(source, null), endpoint(target, null),
                    Set.of(), null, MigrationMethod.SCAN, null), connector, events::add, changedKeys, StreamReplayerTest.config(),
                    changeConfig(100, false)).run();
            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains("notify-keyspace-events"), last.message());
            assertFalse(has(events, EventType.CAPTURE_STARTED));
        }
    }

    static ChangeCopyConfig changeConfig(int batchKeys, boolean typeWise) {
        return new ChangeCopyConfig() {
            public int batchKeys() {
                return batchKeys;
            }

            public boolean typeWise() {
                return typeWise;
            }
        };
    }

    /** Runs the replayer on a thread of its own until its capture has started. */
    private static Thread startCapture(ChangedKeyReplayer replayer, List<MigrationEvent> events) throws Exception {
        Thread thread = new Thread(replayer);
        thread.start();
        await(() -> has(events, EventType.CAPTURE_STARTED) || has(events, EventType.FAILED), "capture started");
        assertTrue(has(events, EventType.CAPTURE_STARTED), () -> "events: " + events);
        return thread;
    }

    /** The scan method's stream of {@code source} into {@code target} (batches of 100 keys, the tests' stream settings). */
    private static ChangedKeyReplayer replayer(RedisServer source, RedisServer target, List<MigrationEvent> events) {
        return new ChangedKeyReplayer(scanRequest(source, target), connector, events::add, changedKeys,
                StreamReplayerTest.config(), changeConfig(100, false));
    }

    /** A key set on the source reaches the target (asserted). */
    private static void oneChangeCopied(RedisServer source, RedisServer target) throws InterruptedException {
        source.cli("SET", "before", "1");
        await(() -> target.cli("GET", "before").trim().equals("1"), "a change copied");
    }

    /** Runs the replayer on a thread of its own once its capture has started (asserted). */
    private static StreamRequest scanRequest(RedisServer source, RedisServer target) {
        return new StreamRequest(UUID.randomUUID(), 1, endpoint(source, null), endpoint(target, null), Set.of(), null,
                MigrationMethod.SCAN, 1);
    }

    /** Starts the replayer past its scan's end: each change from here on is copied at once. */
    private static Thread copyingChanges(ChangedKeyReplayer replayer, List<MigrationEvent> events) throws Exception {
        Thread thread = startCapturing(replayer, events);
        changedKeys.appendAndWait(ChangedKey.scanCompleted(replayer.migrationId(), 1, 0));
        await(() -> has(events, EventType.STREAM_STARTED), "copy of changed keys started");
        return thread;
    }

    private static Thread startCapturing(ChangedKeyReplayer replayer, List<MigrationEvent> events) throws InterruptedException {
        Thread thread = new Thread(replayer);
        thread.start();
        await(() -> has(events, EventType.CAPTURE_STARTED) || has(events, EventType.FAILED), "capture started");
        assertTrue(has(events, EventType.CAPTURE_STARTED), () -> "events: " + events);
        return thread;
    }

    private static boolean has(List<MigrationEvent> events, EventType type) {
        return events.stream().anyMatch(e -> e.type() == type);
    }

    private static RedisEndpoint endpoint(RedisServer server, String password) {
        return new RedisEndpoint(server.host(), server.port(), null, password == null ? null : CIPHER.seal(password), false);
    }
}

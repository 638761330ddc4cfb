package dev.redismigrate.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotLoad;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * snapshot_load replica against real redis-servers: the target loads the spooled RDB itself, as a
 * replica of the worker, and is detached again, whatever happened meanwhile.
 */
public class ReplicaLoadCopyTest {
    @BeforeAll
    static void connector() {
        SnapshotCopierTest.connector();
    }

    @AfterAll
    static void close() {
        SnapshotCopierTest.close();
    }

    @Test
    void theTargetLoadsTheRdbItselfAndIsDetachedWithEverythingEqual() {
        try (RedisServer source = RedisServer.start("--requirepass", "src-secret"); RedisServer target = RedisServer.start()) {
            source.cliPipe(String.join("\n", "SET plain value", "SET ttl:string v PX 600000", "HSET hash f1 v1 f2 v2",
                    "RPUSH list a b c", "SADD set x y z", "SADD ints 1 2 3", "ZADD zset 1 one 2 two", "XADD stream 1-1 f v",
                    "XGROUP CREATE stream g 0", "XREADGROUP GROUP g alice COUNT 1 STREAMS stream >", "PFADD hll a b c",
                    "EXPIRE hash 3000", "SELECT 3", "SET in:db3 yes", "LPUSH ttl:list 1 2 3", "PEXPIRE ttl:list 900000", ""));
            // a function library travels in the RDB too, which a key-by-key copy does not carry
            source.cli("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function('answer', function() return 42 end)");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = request(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, SnapshotCopierTest.CIPHER.seal("src-secret"), false),
                    target);

            new SnapshotCopier(request, SnapshotCopierTest.connector, events::add, SnapshotCopierTest.checkpoints,
                    SnapshotCopierTest.CHANGE_LOG, SnapshotCopierTest.config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(11L, last.keysCopied()); // 9 in db0, 2 in db3
            assertEquals(new StreamCheckpoint(1, last.offset()), SnapshotCopierTest.checkpoints.latest(request.migrationId()),
                    "the stream will start where the RDB ended");
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            assertEquals(source.cli("-n", "3", "PEXPIRETIME", "ttl:list"), target.cli("-n", "3", "PEXPIRETIME", "ttl:list"));
            StreamState.assertSameStreams(source, target);
            assertEquals("42", target.cli("FCALL", "answer", "0").trim());
            assertDetached(target);
            target.cli("SET", "writable", "yes"); // a replica would refuse this
        }
    }

    @Test
    void aTargetRestartedEmptyMidLoadIsAttachedAgainAndEndsEqual() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            Thread copy = startSlowLoad(source, target, 20, events).thread();
            target.restartEmpty();
            copy.join(120_000);

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(100000L, last.keysCopied());
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            assertDetached(target);
        }
    }

    @Test
    void aDiskBasedSourceWhoseBgsaveOutlastsTheTargetsReplTimeoutIsLoadedInOneSync() throws Exception {
        // the source writes its RDB to disk first (4,000 keys at 1.5 ms each: 6 s), the target gives up on a master
        // silent for 2 s: only the newlines sent meanwhile keep its link
        try (RedisServer source = RedisServer.start("--repl-diskless-sync", "no");
             RedisServer target = RedisServer.start("--repl-timeout", "2")) {
            source.cli("DEBUG", "POPULATE", "4000", "key", "64");
            source.cli("CONFIG", "SET", "rdb-key-save-delay", "1500");
            MigrationEvent last = copy(request(UUID.randomUUID(), 1, endpoint(source), target));

            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), last::toString);
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            String log = target.log();
            assertFalse(log.contains("Timeout"), "the target's link never timed out: " + log);
            assertEquals(1, log.split("Full resync from master", -1).length - 1, "one full sync: " + log);
            assertDetached(target);
        }
    }

    @Test
    void aStopMidLoadLeavesTheTargetDetached() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SlowLoad load = startSlowLoad(source, target, 50, events);
            load.copier().stop();
            Thread copy = load.thread();
            copy.join(60_000);

            assertFalse(copy.isAlive());
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
            assertDetached(target);
        }
    }

    @Test
    void refusesATargetThatHoldsKeysOrIsAnotherMastersReplicaAndLeavesItAsItWas() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start();
             RedisServer other = RedisServer.start()) {
            source.cli("SET", "k", "v");
            target.cli("SET", "mine", "keep");
            MigrationEvent last = copy(request(UUID.randomUUID(), 1, endpoint(source), target));
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains("holds 1 keys"), last.message());
            assertEquals("keep", target.cli("GET", "mine").trim());
            assertDetached(target);

            target.cli("FLUSHALL");
            target.cli("REPLICAOF", other.host(), Integer.toString(other.port()));
            last = copy(request(UUID.randomUUID(), 1, endpoint(source), target));
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains("is a replica of " + other.host() + ":" + other.port()), last.message());
            assertTrue(target.cli("INFO", "replication").contains("master_port:" + other.port()), "left as it was");
        }
        // a replica that loads a db it lacks exits (FATAL): never sent one
        try (RedisServer source = RedisServer.start("--databases", "32"); RedisServer target = RedisServer.start()) {
            source.cli("-n", "20", "SET", "k", "v");
            MigrationEvent last = copy(request(UUID.randomUUID(), 1, endpoint(source), target));
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains("db20 and the target only 16 dbs"), last.message());
            assertDetached(target);
        }
    }

    @Test
    void takesOverATargetThisMigrationLeftAttachedToACrashedWorker() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cli("DEBUG", "POPULATE", "1000");
            UUID migration = UUID.randomUUID();
            // what a worker killed mid-load leaves: a half-loaded replica of a port nobody listens on
            target.cli("CONFIG", "SET", "masterauth", "redis-migrate:" + migration + ":old-secret");
            target.cli("REPLICAOF", "127.0.0.1", Integer.toString(RedisServer.freePort()));

            MigrationEvent last = copy(request(migration, 1, endpoint(source), target));

            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), last::toString);
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            assertDetached(target);
        }
    }

    private record SlowLoad(SnapshotCopier copier, Thread thread) {
    }

    /**
     * 100,000 keys whose RDB the source makes slowly ({@code rdb-key-save-delay}, µs per key), copied
     * with snapshot_load replica on a thread of its own: returns once the target is loading.
     */
    private static SlowLoad startSlowLoad(RedisServer source, RedisServer target, int microsPerKey,
            List<MigrationEvent> events) throws InterruptedException {
        source.cli("DEBUG", "POPULATE", "100000", "key", "64");
        source.cli("CONFIG", "SET", "rdb-key-save-delay", Integer.toString(microsPerKey));
        SnapshotCopier copier = new SnapshotCopier(request(UUID.randomUUID(), 1, endpoint(source), target),
                SnapshotCopierTest.connector, events::add, SnapshotCopierTest.checkpoints, SnapshotCopierTest.CHANGE_LOG,
                SnapshotCopierTest.config());
        Thread thread = new Thread(copier);
        thread.start();
        awaitSyncing(target);
        return new SlowLoad(copier, thread);
    }

    private static MigrationEvent copy(SnapshotRequest request) {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        new SnapshotCopier(request, SnapshotCopierTest.connector, events::add, SnapshotCopierTest.checkpoints,
                SnapshotCopierTest.CHANGE_LOG, SnapshotCopierTest.config()).run();
        return events.get(events.size() - 1);
    }

    private static void assertDetached(RedisServer target) {
        assertTrue(target.cli("INFO", "replication").contains("role:master"), "the target is a primary again");
        assertEquals("", target.cli("CONFIG", "GET", "masterauth").lines().skip(1).findFirst().orElse("").trim(),
                "the load's masterauth is gone");
    }

    /** Waits until the target is receiving the RDB from the worker. */
    private static void awaitSyncing(RedisServer target) throws InterruptedException {
        long until = System.currentTimeMillis() + 30_000;
        while (!target.cli("INFO", "replication").contains("master_sync_in_progress:1")) {
            assertTrue(System.currentTimeMillis() < until, "the target never began to load");
            Thread.sleep(20);
        }
    }

    private static RedisEndpoint endpoint(RedisServer server) {
        return new RedisEndpoint(server.host(), server.port(), null, null, false);
    }

    private static SnapshotRequest request(UUID migration, int attempt, RedisEndpoint source, RedisServer target) {
        return new SnapshotRequest(migration, attempt, source, endpoint(target), Set.of(), MigrationMethod.REPLICATION, null,
                null, null, null, null, SnapshotLoad.REPLICA);
    }
}

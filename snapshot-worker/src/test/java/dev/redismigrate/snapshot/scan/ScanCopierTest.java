package dev.redismigrate.snapshot.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.snapshot.SnapshotCopierTest;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scan method's copy against two real redis-servers (the source refusing PSYNC) and the real Kafka. */
class ScanCopierTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    static RedisConnector connector;
    static ChangedKeysLog changedKeys;

    @BeforeAll
    static void connector() {
        connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        changedKeys = new ChangedKeysLog("127.0.0.1:19092", "scan-copier-test." + UUID.randomUUID() + ".changed-keys");
    }

    @AfterAll
    static void close() {
        connector.close();
        changedKeys.close();
    }

    @Test
    void copiesEveryTypeBinaryKeysAndTtlsFromASourceWithoutPsyncThenMarksTheScansEnd() {
        try (RedisServer source = RedisServer.start("--requirepass", "src-secret", "--rename-command", "PSYNC", "",
                "--rename-command", "SYNC", "");
             RedisServer target = RedisServer.start()) {
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 2500; i++) { // several SCAN batches of 1000
                bulk.append("SET bulk:").append(i).append(" v").append(i).append(i % 3 == 0 ? " PX 900000" : "").append('\n');
            }
            source.cliPipe(bulk + String.join("\n",
                    "SET plain value", "SET ttl:string v PX 600000", "HSET hash f1 v1 f2 v2", "EXPIRE hash 3000",
                    "RPUSH list a b c", "SADD set x y z", "SADD intset 1 2 3", "ZADD zset 1 one 2 two",
                    "XADD stream 1-1 f v", "XADD stream 2-1 g w", "XGROUP CREATE stream g 0",
                    "XREADGROUP GROUP g consumer COUNT 1 STREAMS stream >", "PFADD hll a b c", "SETBIT bits 7 1",
                    "SET \"bin\\x00\\xff\\r\\nkey\" \"bin\\x00value\"", "SET \"spaced key\" v",
                    "SELECT 3", "SET in:db3 yes", "LPUSH ttl:list 1 2 3", "PEXPIRE ttl:list 900000",
                    "SELECT 5", "SET ignored:db5 nope", ""));
            UUID migration = UUID.randomUUID();
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(migration, 1,
                    new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("src-secret"), false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(5), MigrationMethod.SCAN, null, null);

            try (ChangedKeysLog.Reader reader = changedKeys.readFromNow(migration)) {
                new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();

                MigrationEvent last = events.get(events.size() - 1);
                assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
                assertEquals(2500L + 12 + 2, last.keysCopied()); // db5 is ignored
                assertEquals(2500L + 12 + 2, last.keysTotal());
                assertNull(last.offset(), "a scan ends at no replication offset");
                assertEquals(EventType.SNAPSHOT_STARTED, events.get(0).type());
                List<ChangedKeysLog.Timed> marks = readAll(reader);
                assertEquals(1, marks.size(), () -> "records: " + marks);
                assertTrue(marks.get(0).change().marksScanCompleted());
                assertEquals(1, marks.get(0).change().attempt());
            }
            source.cli("-n", "5", "DEL", "ignored:db5");
            assertEquals(source.digest(), target.digest());
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            long sourceTtl = Long.parseLong(source.cli("-n", "3", "PTTL", "ttl:list").trim());
            long targetTtl = Long.parseLong(target.cli("-n", "3", "PTTL", "ttl:list").trim());
            assertTrue(Math.abs(sourceTtl - targetTtl) < 1000, sourceTtl + " vs " + targetTtl);
            StreamState.assertSameStreams(source, target); // the group, its consumer and pending entry too
            assertEquals("0", target.cli("-n", "5", "DBSIZE").trim());
        }
    }

    @Test
    void aScanSplitInTwoPartsCopiesEachKeyByExactlyOneOfThem() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 3000 key 16\nSELECT 1\nDEBUG POPULATE 500 other 16\n");
            UUID migration = UUID.randomUUID();
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            long copied = 0;
            try (ChangedKeysLog.Reader reader = changedKeys.readFromNow(migration)) {
                for (int part = 0; part < 2; part++) {
                    SnapshotRequest request = new SnapshotRequest(migration, 1,
                            new RedisEndpoint(source.host(), source.port(), null, null, false),
                            new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN,
                            part, 2);
                    events.clear();
                    new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();
                    MigrationEvent last = events.get(events.size() - 1);
                    assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
                    assertEquals(part, last.part());
                    assertTrue(last.keysCopied() > 1000 && last.keysCopied() < 2500, "a share: " + last.keysCopied());
                    assertEquals(1750L, last.keysTotal());
                    copied += last.keysCopied();
                    if (part == 0) {
                        assertNotEquals(source.digest(), target.digest(), "half is not the whole");
                    }
                }
                List<Integer> marked = new ArrayList<>();
                for (int i = 0; i < 20 && marked.size() < 2; i++) {
                    reader.poll(Duration.ofMillis(300)).forEach(t -> marked.add(t.change().part()));
                }
                assertEquals(List.of(0, 1), marked, "each part marks its end");
            }
            assertEquals(3500, copied);
            assertEquals(source.digest(), target.digest());
        }
    }

    /**
     * The next batch's reads go out before a batch is handed on, except after a batch of big values
     * (more than {@link ScanReads#AHEAD_BYTES}): both ways, with empty SCAN replies of other dbs
     * between, each key is copied once and whole.
     */
    @Test
    void batchesReadAheadAndBatchesOfBigValuesEachCopyEveryKeyOnce() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            // 40 values of 512 KiB among 3,000 small ones: SCAN batches of 1,000 hold 20 MB or a few KB
            source.cliPipe("DEBUG POPULATE 3000 small 16\nDEBUG POPULATE 40 big 524288\nSELECT 2\nDEBUG POPULATE 1500 other 16\n");
            MigrationEvent last = copiedToTheEnd(new RedisEndpoint(source.host(), source.port(), null, null, false), target);
            assertEquals(4540L, last.keysCopied());
            assertEquals(source.digest(), target.digest());
            assertEquals("524288", target.cli("STRLEN", "big:39").trim());
        }
    }

    /** A new attempt's parts start at different moments: a later one must not wipe what an earlier one copied. */
    @Test
    void eachPartOfANewAttemptEmptiesOnlyItsShareOfTheTarget() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 2000 key 16\nSELECT 1\nDEBUG POPULATE 300 other 16\n");
            // an earlier attempt's copies of keys deleted on the source since: each part removes its share
            target.cliPipe("DEBUG POPULATE 500 stale 16\nSELECT 1\nDEBUG POPULATE 50 stale:db1 16\n");
            UUID migration = UUID.randomUUID();
            for (int part = 0; part < 2; part++) {
                List<MigrationEvent> events = new CopyOnWriteArrayList<>();
                new ScanCopier(new SnapshotRequest(migration, 2, new RedisEndpoint(source.host(), source.port(), null, null, false),
                        new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN, part, 2),
                        connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();
                assertEquals(EventType.SNAPSHOT_COMPLETED, events.get(events.size() - 1).type(), () -> "events: " + events);
            }
            assertEquals(source.digest(), target.digest(), "no stale key left, none of the first part's copies lost");
        }
    }

    @Test
    void aNewAttemptEmptiesTheMigratedDbsFirstAndAStopEndsIt() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("SET kept 1\nSELECT 2\nSET kept2 2\n");
            target.cliPipe("SET deleted:on:source 1\nSELECT 4\nSET left:alone 1\n");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 2,
                    new RedisEndpoint(source.host(), source.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(4), MigrationMethod.SCAN, null, null);

            new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();

            assertEquals(EventType.SNAPSHOT_COMPLETED, events.get(events.size() - 1).type(), () -> "events: " + events);
            assertEquals("0", target.cli("EXISTS", "deleted:on:source").trim());
            assertEquals("1", target.cli("-n", "4", "EXISTS", "left:alone").trim(), "an ignored db is left alone");
            assertEquals("2", target.cli("-n", "2", "GET", "kept2").trim());

            List<MigrationEvent> stopped = new CopyOnWriteArrayList<>();
            ScanCopier copier = new ScanCopier(new SnapshotRequest(UUID.randomUUID(), 1, request.source(), request.target(),
                    Set.of(), MigrationMethod.SCAN, null, null), connector, stopped::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false));
            copier.stop();
            copier.run();
            assertEquals(EventType.STOPPED, stopped.get(stopped.size() - 1).type(), () -> "events: " + stopped);
        }
    }

    /**
     * Asked to stop while the target is down and the scan waits to reconnect (a DELETE during the
     * target's outage): the attempt ends stopped, not failed with "lost the target for more than …".
     */
    @Test
    void aStopWhileTheTargetIsDownEndsTheScanStoppedNotFailed() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cliPipe("DEBUG POPULATE 300000 key 100\n");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN, null, null);
            ScanCopier copier = new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false));
            Thread thread = new Thread(copier);
            thread.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (Long.parseLong(target.cli("DBSIZE").trim()) < 1000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            target.kill();
            Thread.sleep(1500); // the scan meets the dead target and waits to reconnect
            copier.stop();
            thread.join(15_000);
            assertFalse(thread.isAlive(), "the stop ended the scan");
            assertFalse(events.stream().anyMatch(e -> e.type() == EventType.FAILED), () -> "events: " + events);
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
        }
    }

    /**
     * A source that refuses reads for now (here MASTERDOWN: a replica whose master died, serving no
     * stale data; on a cluster CLUSTERDOWN while another shard's master fails over) is waited out:
     * the scan starts over once it answers. Without the wait the same refusal fails the copy.
     */
    @Test
    void aSourceThatRefusesReadsForNowIsWaitedOut() throws Exception {
        try (RedisServer master = RedisServer.start(); RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            StringBuilder keys = new StringBuilder();
            for (int i = 0; i < 3000; i++) {
                keys.append("SET k:").append(i).append(" v").append(i).append('\n');
            }
            master.cliPipe(keys.toString());
            source.cli("REPLICAOF", master.host(), Integer.toString(master.port()));
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!source.cli("INFO", "keyspace").contains("keys=3000") && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            source.cli("CONFIG", "SET", "replica-serve-stale-data", "no");
            master.kill();
            until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!source.cli("GET", "k:1").contains("MASTERDOWN") && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertTrue(source.cli("GET", "k:1").contains("MASTERDOWN"), "the source should refuse reads for now");
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN, null, null);

            List<MigrationEvent> failed = new CopyOnWriteArrayList<>();
            new ScanCopier(request, connector, failed::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();
            MigrationEvent refused = failed.get(failed.size() - 1);
            assertEquals(EventType.FAILED, refused.type(), () -> "events: " + failed);
            assertTrue(refused.message().contains("MASTERDOWN"), refused.message());

            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            Thread copy = new Thread(new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(),
                    scanConfig(false)).waitingOutClusterDown(Duration.ofSeconds(20))::run);
            copy.start();
            Thread.sleep(1500);
            assertTrue(copy.isAlive(), () -> "the copy should wait for the source: " + events);
            source.cli("REPLICAOF", "NO", "ONE"); // answers again, with its data
            copy.join(Duration.ofSeconds(30).toMillis());

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(3000L, last.keysCopied());
            assertEquals("3000", target.cli("DBSIZE").trim());
            assertEquals(source.digest(), target.digest());
        }
    }

    @Test
    void aWrongPasswordFailsWithAReasonAndWithoutThePassword() {
        try (RedisServer source = RedisServer.start("--requirepass", "right"); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("wrong-password"), false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN, null, null);

            new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains(source.host() + ":" + source.port()), last.message());
            assertFalse(last.message().contains("wrong-password"), last.message());
        }
    }

    private static List<ChangedKeysLog.Timed> readAll(ChangedKeysLog.Reader reader) {
        List<ChangedKeysLog.Timed> all = new ArrayList<>();
        for (int i = 0; i < 10 && all.isEmpty(); i++) {
            all.addAll(reader.poll(Duration.ofMillis(500)));
        }
        all.addAll(reader.poll(Duration.ofMillis(200)));
        return all;
    }

    @Test
    void typeByTypeEveryKindIsRebuiltWithItsTtl() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            StringBuilder big = new StringBuilder("RPUSH biglist");
            for (int i = 0; i < 1200; i++) {
                big.append(' ').append(i); // several RPUSH chunks
            }
            source.cliPipe(String.join("\n", "SET plain value", "SET ttl:string v PX 600000", "HSET hash f1 v1 f2 v2",
                    "EXPIRE hash 3000", "RPUSH list a b c", "SADD set x y z", "SADD intset 1 2 3", "ZADD zset 1.5 one 2 two",
                    "PFADD hll a b c", "SETBIT bits 7 1", "SET \"bin\\x00\\xffkey\" \"bin\\x00value\"", big.toString(),
                    "XADD stream 1-1 f v", "XADD stream 2-1 g w", "XADD stream 3-1 h x", "XDEL stream 3-1",
                    "XGROUP CREATE stream g 0", "XREADGROUP GROUP g alice COUNT 2 STREAMS stream >",
                    "XREADGROUP GROUP g alice STREAMS stream 0", "XGROUP CREATECONSUMER stream g idle",
                    "XGROUP CREATE empty:stream g $ MKSTREAM",
                    "XGROUP CREATE never:written g $ MKSTREAM", "XGROUP DESTROY never:written g",
                    "SELECT 2", "SADD ttl:set a", "PEXPIRE ttl:set 900000", ""));
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN,
                    null, null);

            new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(true)).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(15L, last.keysCopied());
            // last ids (one past a deleted entry, one never written to), groups at their last delivered ids,
            // consumers (one without pending entries) and pending entries with owner and delivery count
            StreamState.assertSameStreams(source, target);
            long sourceTtl = Long.parseLong(source.cli("-n", "2", "PTTL", "ttl:set").trim());
            long targetTtl = Long.parseLong(target.cli("-n", "2", "PTTL", "ttl:set").trim());
            assertTrue(sourceTtl > 0 && Math.abs(sourceTtl - targetTtl) < 1000, sourceTtl + " vs " + targetTtl);
            assertEquals(source.digest(), target.digest());
        }
    }

    @Test
    void aValkeySourceIsRebuiltTypeByTypeInARedis70TargetWithoutBeingAsked() {
        // Valkey 8's DUMP payloads carry RDB version 11, which RESTORE on Redis 7.0 refuses
        try (RedisServer source = RedisServer.startValkey(); RedisServer target = RedisServer.start()) {
            source.cliPipe(String.join("\n", "SET plain value", "HSET hash f1 v1", "RPUSH list a b", "SADD set x",
                    "ZADD zset 2 two", "SET ttl:string v PX 600000", ""));
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN,
                    null, null);

            new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(6L, last.keysCopied());
            assertEquals("value", target.cli("GET", "plain").trim());
            assertEquals(source.cli("HGETALL", "hash"), target.cli("HGETALL", "hash"));
            assertEquals(source.cli("LRANGE", "list", "0", "-1"), target.cli("LRANGE", "list", "0", "-1"));
            assertEquals(source.cli("ZRANGE", "zset", "0", "-1", "WITHSCORES"), target.cli("ZRANGE", "zset", "0", "-1", "WITHSCORES"));
            assertTrue(Long.parseLong(target.cli("PTTL", "ttl:string").trim()) > 0);
        }
    }

    @Test
    void stringsAreReadByMgetAndOnlyTheOtherTypesByDumpUnlessTheSourceRefusesMget() {
        // 3,000 keys over 3 SCAN batches: a third hashes, a fifth of all with a TTL, 5 big hashes of 2 MB each
        String data = "EVAL \"for i = 0, 2999 do "
                + "if i % 3 == 0 then redis.call('HSET', 'k' .. i, 'f', i, 'g', 'x') else redis.call('SET', 'k' .. i, i % 7 == 0 and i or ('v' .. i)) end "
                + "if i % 5 == 0 then redis.call('PEXPIRE', 'k' .. i, 900000 + i) end end "
                + "for b = 1, 5 do for f = 1, 2048 do redis.call('HSET', 'big' .. b, f, string.rep('h', 1024)) end end\" 0\n";
        for (boolean mgetAllowed : new boolean[] {true, false}) {
            try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
                String stats = copiedWithMget(source, target, data, mgetAllowed, 3005);
                assertSameExpiries(source, target, 0, "k5", "k10", "k15", "k35"); // strings, a hash and an integer string
                assertEquals(3005, calls(stats, "pttl"), "one PTTL per key (a hash's came with the MGET, not again with its DUMP)");
                if (mgetAllowed) {
                    assertTrue(calls(stats, "mget") >= 3, stats);
                    assertEquals(1005, calls(stats, "dump"), "DUMP for the hashes only");
                } else {
                    assertEquals(3005, calls(stats, "dump"), "DUMP for every key when MGET is refused");
                }
            }
        }
    }

    @Test
    void aDbWithoutExpiringKeysIsReadWithoutAPttlPerKey() {
        // db 0: 2,000 keys, none expiring; db 1: 1,000 keys, a tenth expiring
        String data = "SELECT 0\nEVAL \"for i = 0, 1999 do if i % 4 == 0 then redis.call('SADD', 'a' .. i, i, 'x') "
                + "else redis.call('SET', 'a' .. i, 'v' .. i) end end\" 0\n"
                + "SELECT 1\nEVAL \"for i = 0, 999 do if i % 4 == 0 then redis.call('SADD', 'b' .. i, i) else redis.call('SET', 'b' .. i, i) end "
                + "if i % 10 == 0 then redis.call('PEXPIRE', 'b' .. i, 900000 + i) end end\" 0\n";
        for (boolean mgetAllowed : new boolean[] {true, false}) {
            try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
                String stats = copiedWithMget(source, target, data, mgetAllowed, 3000);
                assertEquals("2000", target.cli("-n", "0", "DBSIZE").trim());
                assertSameExpiries(source, target, 1, "b0", "b10", "b20"); // a set and strings
                assertEquals("-1", target.cli("-n", "0", "PTTL", "a1").trim());
                assertEquals(1000, calls(stats, "pttl"), "a PTTL for each key of db 1 only (mget " + mgetAllowed + ")");
                assertEquals(mgetAllowed ? 750 : 3000, calls(stats, "dump"), "DUMP for the sets only where MGET is allowed");
            }
        }
    }

    /**
     * Loads {@code data} into the source, lets its user "copier" run MGET or not, copies it all by scan as that user
     * and checks every key arrived (count, digest). @return the source's INFO commandstats of the copy
     */
    private static String copiedWithMget(RedisServer source, RedisServer target, String data, boolean mgetAllowed, long keys) {
        source.cliPipe(data);
        source.cli("ACL", "SETUSER", "copier", "on", ">copier-secret", "~*", "+@all", mgetAllowed ? "+mget" : "-mget");
        source.cli("CONFIG", "RESETSTAT");
        MigrationEvent last = copiedToTheEnd(
                new RedisEndpoint(source.host(), source.port(), "copier", CIPHER.seal("copier-secret"), false), target);
        assertEquals(keys, last.keysCopied());
        assertEquals(source.digest(), target.digest());
        return source.cli("INFO", "commandstats");
    }

    /** Each key has an expiry on the target, the source's within 1 s (absolute: PEXPIRETIME). */
    private static void assertSameExpiries(RedisServer source, RedisServer target, int db, String... keys) {
        for (String key : keys) {
            long expected = Long.parseLong(source.cli("-n", Integer.toString(db), "PEXPIRETIME", key).trim());
            long gap = expected - Long.parseLong(target.cli("-n", Integer.toString(db), "PEXPIRETIME", key).trim());
            assertTrue(expected > 0 && Math.abs(gap) < 1000, key + ": the same absolute expiry, " + gap);
        }
    }

    /** A whole scan copy (one part, by DUMP) from {@code source} into {@code target}: its last event, the scan's end. */
    private static MigrationEvent copiedToTheEnd(RedisEndpoint source, RedisServer target) {
        SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1, source,
                new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(), MigrationMethod.SCAN, null, null);
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), scanConfig(false)).run();
        MigrationEvent last = events.get(events.size() - 1);
        assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
        return last;
    }

    /** How often {@code INFO commandstats} says {@code command} ran. */
    static long calls(String commandStats, String command) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(commandStats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static ScanConfig scanConfig(boolean typeWise) {
        return new ScanConfig() {
            public int batchKeys() {
                return 1000;
            }

            public boolean typeWise() {
                return typeWise;
            }
        };
    }
}

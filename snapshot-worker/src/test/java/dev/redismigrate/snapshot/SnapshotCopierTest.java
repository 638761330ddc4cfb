package dev.redismigrate.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.StreamState;
import dev.redismigrate.worker.changelog.ChangeLog;
import dev.redismigrate.worker.changelog.ChangeLogSettings;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The copier against two real redis-servers, without Kafka: the copy itself. */
public class SnapshotCopierTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    static RedisConnector connector;
    /** the real Kafka that infra/test.sh starts, on a topic of this test's own */
    static CheckpointLog checkpoints;
    /** the change log's topics of these tests carry a prefix of their own */
    static final ChangeLog CHANGE_LOG = new ChangeLog("127.0.0.1:19092", "snapshot-worker-test.",
            new ChangeLogSettings(256 << 10, 5, 32 << 20, 16 << 20));

    @BeforeAll
    static void connector() {
        connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        checkpoints = new CheckpointLog("127.0.0.1:19092", "snapshot-worker-test." + UUID.randomUUID() + ".checkpoints");
    }

    @AfterAll
    static void close() {
        connector.close();
        checkpoints.close();
    }

    @Test
    void copiesEveryTypeWithTtlsIntoTheSameDbsAndEndsAtAnOffset() {
        try (RedisServer source = RedisServer.start("--requirepass", "src-secret");
             RedisServer target = RedisServer.start()) {
            // many plain strings (text and integers, some with TTLs) in two dbs: batched MSETs, flushed at the db's end
            StringBuilder bulk = new StringBuilder();
            for (int i = 0; i < 2800; i++) {
                bulk.append(i == 2500 ? "SELECT 3\n" : "").append("SET bulk:").append(i).append(i % 5 == 0 ? " " : " v")
                        .append(i % 7 == 0 ? -i : i).append(i % 3 == 0 ? " PX 900000" : "").append('\n');
            }
            source.cliPipe(bulk + String.join("\n", "SELECT 0",
                    "SET plain value", "SET ttl:string v PX 600000", "HSET hash f1 v1 f2 v2",
                    "RPUSH list a b c", "SADD set x y z", "SADD ints 1 2 3", "ZADD zset 1 one 2 two", "XADD stream 1-1 f v",
                    "XADD stream 2-1 f w", "XADD stream 3-1 f x", "XDEL stream 3-1", "XGROUP CREATE stream g 0",
                    "XREADGROUP GROUP g alice COUNT 1 STREAMS stream >", "XREADGROUP GROUP g bob COUNT 1 STREAMS stream >",
                    "XCLAIM stream g bob 0 1-1", "XGROUP CREATE stream idle $", "XGROUP CREATECONSUMER stream idle carol",
                    "PFADD hll a b c", "SETBIT bits 7 1", "EXPIRE hash 3000",
                    "SELECT 3", "SET in:db3 yes", "LPUSH ttl:list 1 2 3", "PEXPIRE ttl:list 900000",
                    "SELECT 5", "SET ignored:db5 nope", ""));
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("src-secret"), false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(5));

            new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(2800L + 12, last.keysCopied()); // 2500 + 10 in db0, 300 + 2 in db3; db5 is ignored
            assertNotNull(last.offset().replId());
            assertEquals(new StreamCheckpoint(1, last.offset()), checkpoints.latest(request.migrationId()),
                    "the stream will start where the copy ended");
            assertTrue(last.offset().offset() >= 0);
            source.cli("-n", "5", "DEL", "ignored:db5");
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            assertNotEquals("0000000000000000000000000000000000000000", target.digest());
            long sourceTtl = Long.parseLong(source.cli("-n", "3", "PTTL", "ttl:list").trim());
            long targetTtl = Long.parseLong(target.cli("-n", "3", "PTTL", "ttl:list").trim());
            assertTrue(Math.abs(sourceTtl - targetTtl) < 2000, sourceTtl + " vs " + targetTtl);
            for (String key : new String[] {"bulk:0", "bulk:3", "bulk:1", "ttl:string"}) { // expiries to the ms, none added
                assertEquals(source.cli("PEXPIRETIME", key), target.cli("PEXPIRETIME", key), key);
            }
            assertEquals(source.cli("-n", "3", "PEXPIRETIME", "bulk:2502"), target.cli("-n", "3", "PEXPIRETIME", "bulk:2502"));
            assertEquals("0", target.cli("-n", "5", "DBSIZE").trim());
            // the strings with an expiry (every third bulk one, ttl:string) came as SET ... PXAT, not as RESTOREs
            String stats = target.cli("INFO", "commandstats");
            assertEquals(934 + 1, calls(stats, "set"), stats);
            assertTrue(calls(stats, "restore") <= 9, stats); // the collections, the stream, at most the HyperLogLog
            // DEBUG DIGEST hashes a stream's entries only: its last id, groups, consumers and pending entries here
            StreamState.assertSameStreams(source, target);
        }
    }

    @Test
    void copiesValkeysStreamsWithTheirGroupsConsumersAndPendingEntries() {
        // Valkey 8 writes streams as RDB type 21 (a consumer's active time too), Redis 7.0 as 19 (the test above)
        try (RedisServer source = RedisServer.startValkey(); RedisServer target = RedisServer.startValkey()) {
            source.cliPipe(String.join("\n", "XADD s 1-1 f v", "XADD s 2-1 f w", "XADD s 3-1 f x", "XADD s 4-1 f y",
                    "XDEL s 2-1", "XGROUP CREATE s g1 0", "XGROUP CREATE s g2 $",
                    "XREADGROUP GROUP g1 alice COUNT 2 STREAMS s >", "XREADGROUP GROUP g1 bob COUNT 1 STREAMS s >",
                    "XACK s g1 1-1", "XGROUP CREATECONSUMER s g2 carol", "XADD plain 5-5 a b",
                    "SET after:streams yes", "PEXPIRE s 900000", ""));
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();

            new SnapshotCopier(plainRequest(source, target), connector, events::add, checkpoints, CHANGE_LOG, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(3L, last.keysCopied());
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            assertEquals(source.cli("PEXPIRETIME", "s"), target.cli("PEXPIRETIME", "s"));
            StreamState.assertSameStreams(source, target); // groups, consumers, pending entries, ids
            assertEquals("yes", target.cli("GET", "after:streams").trim()); // what follows the streams was read in step
        }
    }

    @Test
    void writesValuesPastTheLimitInChunksOfTypeWiseCommandsAndEndsEqual() {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            // past the limit (64 KiB in the RDB): a random string (stored plain), a repetitive one
            // (stored LZF-compressed), and each collection in its unbounded encoding, some with TTLs
            source.cli("EVAL", String.join("\n",
                    "math.randomseed(7)",
                    "local block = {} for i = 1, 65536 do block[i] = string.char(math.random(0, 255)) end",
                    "block = table.concat(block)",
                    "for i = 1, 16 do redis.call('APPEND', 'big:random', block) end",
                    "redis.call('SET', 'big:repetitive', string.rep('abcdefgh', 131072))",
                    "for i = 1, 20000 do",
                    "  redis.call('HSET', 'big:hash', 'field' .. i, 'value' .. i)",
                    "  redis.call('SADD', 'big:set', 'member' .. i)",
                    "  redis.call('ZADD', 'big:zset', i / 7, 'member' .. i)",
                    "  redis.call('RPUSH', 'big:list', 'item' .. math.random(1, 1000000000), i)",
                    "end",
                    "redis.call('ZADD', 'big:zset', 'inf', 'top', '-inf', 'bottom', '1e300', 'huge')",
                    "redis.call('PEXPIRE', 'big:hash', 900000)",
                    "redis.call('PEXPIRE', 'big:random', 900000)",
                    "for i = 1, 500 do redis.call('SET', 'small:' .. i, i) end",
                    "redis.call('HSET', 'small:hash', 'a', 1)",
                    "redis.call('SELECT', 2)",
                    "for i = 1, 30000 do redis.call('RPUSH', 'big:list:db2', string.rep('y', i % 50) .. math.random(1, 1000000000)) end"), "0");
            // a key the target already holds under a big key's name, of another type: replaced
            target.cli("SET", "big:hash", "old");
            target.cli("RPUSH", "big:set", "old");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = plainRequest(source, target);

            new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config(64 << 10, 16 << 10)).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(508L, last.keysCopied()); // 6 big and 501 small in db0, 1 big in db2
            assertEquals(source.cli("DEBUG", "DIGEST"), target.cli("DEBUG", "DIGEST"));
            long sourceTtl = Long.parseLong(source.cli("PTTL", "big:hash").trim());
            long targetTtl = Long.parseLong(target.cli("PTTL", "big:hash").trim());
            assertTrue(targetTtl > 0 && Math.abs(sourceTtl - targetTtl) < 2000, sourceTtl + " vs " + targetTtl);
            assertEquals("-1", target.cli("PTTL", "big:set").trim());
            // the big values came as chunks, the small ones as RESTOREs, small plain strings without TTL as MSETs
            String stats = target.cli("INFO", "commandstats");
            for (String command : List.of("append", "hset", "sadd", "zadd", "rpush", "pexpireat")) {
                assertTrue(stats.contains("cmdstat_" + command + ":calls="), command + " missing in " + stats);
            }
            assertTrue(calls(stats, "append") > 100, stats); // two strings of 1 MiB in pieces of about 16 KiB
            assertEquals(1, calls(stats, "restore"), stats); // small:hash
            // 500 strings over 2 writers, at most 100 per MSET
            assertTrue(calls(stats, "mset") >= 5 && calls(stats, "mset") <= 7, stats);
        }
    }

    @Test
    void aTargetThatRefusesWritesEndsTheCopyWithItsReason() {
        try (RedisServer source = RedisServer.start();
             RedisServer target = RedisServer.start("--maxmemory", "3mb", "--maxmemory-policy", "noeviction")) {
            source.cli("DEBUG", "POPULATE", "20000", "key", "500");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = plainRequest(source, target);

            new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type(), () -> "events: " + events);
            assertTrue(last.message().contains(target.host() + ":" + target.port()), last.message());
            assertTrue(last.message().contains("maxmemory"), last.message());
        }
    }

    @Test
    void reportsProgressAndStopsPromptlyWhenAsked() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cli("DEBUG", "POPULATE", "1000000", "key", "100");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = plainRequest(source, target);
            SnapshotCopier copier = new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config());
            Thread copy = new Thread(copier);
            copy.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (events.stream().noneMatch(e -> e.type() == EventType.SNAPSHOT_PROGRESS && e.keysCopied() > 0)) {
                assertTrue(System.nanoTime() < deadline && copy.isAlive(), () -> "no progress: " + events);
                Thread.sleep(20);
            }

            copier.stop();
            copy.join(TimeUnit.SECONDS.toMillis(5));

            assertTrue(!copy.isAlive(), "still copying 5 s after the stop");
            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.STOPPED, last.type(), () -> "events: " + events);
            assertTrue(last.keysCopied() > 0 && last.keysCopied() < 1_000_000, () -> "events: " + events);
            assertTrue(last.bytesCopied() > 0, () -> "events: " + events);
        }
    }

    /** A newer attempt arriving at once stops the older before it has a link: that one must not follow the source on. */
    @Test
    void aCopyStoppedBeforeItsLinkOpensEndsWithoutFollowingTheSource() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start()) {
            source.cli("DEBUG", "POPULATE", "1000", "key", "10");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = plainRequest(source, target);
            SnapshotCopier copier = new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config());
            copier.stop();
            Thread copy = new Thread(copier);
            copy.start();
            copy.join(TimeUnit.SECONDS.toMillis(20));

            assertTrue(!copy.isAlive(), "a stopped copy still runs 20 s later");
            assertEquals(EventType.STOPPED, events.get(events.size() - 1).type(), () -> "events: " + events);
            assertTrue(source.cli("INFO", "replication").contains("connected_slaves:0"), "a replica link stayed open");
        }
    }

    /** A copy of every db between two servers without passwords or TLS. */
    private static SnapshotRequest plainRequest(RedisServer source, RedisServer target) {
        return new SnapshotRequest(UUID.randomUUID(), 1, new RedisEndpoint(source.host(), source.port(), null, null, false),
                new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of());
    }

    private static long calls(String commandStats, String command) {
        Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(commandStats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void refusesASourceItCannotLogInTo() {
        try (RedisServer source = RedisServer.start("--requirepass", "right"); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("wrong-password"), false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of());

            new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains(source.host() + ":" + source.port()), last.message());
            assertTrue(!last.message().contains("wrong-password"), last.message());
        }
    }

    @Test
    void refusesToReplicateASourceWhoseRdbVersionTheTargetCannotLoad() {
        // Valkey 8 says redis_version 7.2.4 but writes RDB 11; Redis 7.0 loads up to RDB 10
        try (RedisServer source = RedisServer.startValkey(); RedisServer target = RedisServer.start()) {
            source.cli("SET", "k", "v");
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, null, false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of());

            new SnapshotCopier(request, connector, events::add, checkpoints, CHANGE_LOG, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type(), () -> "events: " + events);
            assertTrue(last.message().matches("the source runs Valkey [0-9.]+ \\(RDB version 11\\), which the target's "
                    + "Redis [0-9.]+ \\(RDB version 10\\) cannot load: use the scan method or a newer target"), last.message());
            assertEquals("0", target.cli("DBSIZE").trim());
        }
    }

    /** Settings for tests: small pipelines, several writers. */
    public static SnapshotConfig config() {
        return config(16 << 20, 1 << 20);
    }

    static SnapshotConfig config(long bigValue, long chunk) {
        return new SnapshotConfig() {
            public int writers() {
                return 3;
            }

            public MemorySize queuedBytes() {
                return new MemorySize(BigInteger.valueOf(4 << 20));
            }

            public int pipelineCommands() {
                return 100;
            }

            public MemorySize pipelineBytes() {
                return new MemorySize(BigInteger.valueOf(1 << 20));
            }

            public MemorySize bigValue() {
                return new MemorySize(BigInteger.valueOf(bigValue));
            }

            public MemorySize chunk() {
                return new MemorySize(BigInteger.valueOf(chunk));
            }

            @Override
            public java.time.Duration sourceRetryFor() {
                return java.time.Duration.ofSeconds(10);
            }

            @Override
            public java.time.Duration targetRetryFor() {
                return java.time.Duration.ofSeconds(10);
            }

            @Override
            public String spoolDirectory() {
                return System.getProperty("java.io.tmpdir") + "/redis-migrate-test-spool";
            }

            @Override
            public MemorySize spoolBudget() {
                return new MemorySize(BigInteger.valueOf(4L << 30));
            }

            @Override
            public MemorySize sourceBacklog() {
                return new MemorySize(BigInteger.valueOf(64L << 20));
            }

            @Override
            public String replicaLoadHost() {
                return "127.0.0.1";
            }
        };
    }
}

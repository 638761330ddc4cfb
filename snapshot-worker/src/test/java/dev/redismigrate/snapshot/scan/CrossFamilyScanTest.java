package dev.redismigrate.snapshot.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.common.contract.VerifyRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.snapshot.SnapshotCopierTest;
import dev.redismigrate.verification.Verifier;
import dev.redismigrate.verification.VerifyConfig;
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
 * The scan method between Redis 7.0 and Valkey 8, each way, checked by the service's own verifier:
 * Valkey's DUMP payloads (RDB 11) do not load in Redis 7.0, so that way is rebuilt type by type.
 */
class CrossFamilyScanTest {
    static RedisConnector connector;
    static ChangedKeysLog changedKeys;

    static final String DATA = String.join("\n", "SET plain value", "SET ttl:string v PX 600000", "HSET hash f1 v1 f2 0.1",
            "RPUSH list a b 0.1", "SADD set x y z", "SADD intset 1 2 3", "ZADD zset 0.1 a 0.2 b 1e20 c -inf d",
            "EVAL \"for i = 1, 300 do redis.call('ZADD', 'zset:big', i / 7, 'm' .. i) end\" 0",
            "XADD stream 1-1 f v", "XADD stream 2-1 g w", "XGROUP CREATE stream g 1-1", "PFADD hll a b c",
            "SET \"bin\\x00\\xffkey\" \"bin\\x00value\"", "SELECT 2", "SADD ttl:set a", "PEXPIRE ttl:set 900000", "");

    @BeforeAll
    static void setUp() {
        connector = new RedisConnector(ScanCopierTest.CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(30), 1);
        changedKeys = new ChangedKeysLog("127.0.0.1:19092", "cross-family-scan-test." + UUID.randomUUID() + ".changed-keys");
    }

    @AfterAll
    static void tearDown() {
        connector.close();
        changedKeys.close();
    }

    @Test
    void valkeyToRedisIsRebuiltTypeByTypeAndRedisToValkeyRestoredBothVerifyEqual() {
        try (RedisServer valkey = RedisServer.startValkey(); RedisServer redis = RedisServer.start();
             RedisServer valkeyTarget = RedisServer.startValkey()) {
            valkey.cliPipe(DATA);
            redis.cliPipe(DATA);

            // Valkey 8 -> Redis 7.0: no RESTORE (it would refuse the RDB 11 payloads), every key rebuilt
            copy(valkey, redis);
            assertEquals(0, ScanCopierTest.calls(redis.cli("INFO", "commandstats"), "restore"), "rebuilt type by type");
            assertTrue(ScanCopierTest.calls(redis.cli("INFO", "commandstats"), "zadd") > 0);
            VerifyReport there = verify(valkey, redis);
            assertEquals(VerifyReport.Verdict.EQUAL, there.verdict(), () -> there.mismatches() + " " + there.error());
            assertEquals(12, there.keysChecked());
            assertEquals("digest-value, zset by content", there.valueMethod());

            // Redis 7.0 -> Valkey 8: Valkey loads Redis 7.0's DUMP payloads
            copy(redis, valkeyTarget);
            // strings are read by MGET: the 3 without expiry (plain, bin, the HyperLogLog) arrive in MSETs, ttl:string
            // by SET ... PXAT, the other 8 keys as RESTOREs
            String stats = valkeyTarget.cli("INFO", "commandstats");
            assertEquals(8, ScanCopierTest.calls(stats, "restore"));
            assertTrue(ScanCopierTest.calls(stats, "mset") > 0);
            assertEquals(1, ScanCopierTest.calls(stats, "set"));
            long expiryGap = Long.parseLong(redis.cli("PEXPIRETIME", "ttl:string").trim())
                    - Long.parseLong(valkeyTarget.cli("PEXPIRETIME", "ttl:string").trim());
            assertTrue(Math.abs(expiryGap) < 1000, "the same absolute expiry: " + expiryGap);
            VerifyReport back = verify(redis, valkeyTarget);
            assertEquals(VerifyReport.Verdict.EQUAL, back.verdict(), () -> back.mismatches() + " " + back.error());
        }
    }

    private static void copy(RedisServer source, RedisServer target) {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1, endpoint(source), endpoint(target), Set.of(),
                MigrationMethod.SCAN, null, null);
        new ScanCopier(request, connector, events::add, changedKeys, SnapshotCopierTest.config(), ScanCopierTest.scanConfig(false))
                .run();
        MigrationEvent last = events.get(events.size() - 1);
        assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> source.family() + " -> " + target.family() + ": " + events);
        assertEquals(12L, last.keysCopied()); // 11 in db0, 1 in db2
    }

    private static VerifyReport verify(RedisServer source, RedisServer target) {
        List<VerifyReport> reports = new CopyOnWriteArrayList<>();
        VerifyRequest request = new VerifyRequest(UUID.randomUUID(), UUID.randomUUID(), endpoint(source), endpoint(target),
                Set.of(), VerifyMode.FULL, null);
        new Verifier(request, connector, reports::add, VerifyConfig.of("recheck-attempts", "1", "recheck-delay", "20ms")).run();
        return reports.get(reports.size() - 1);
    }

    private static RedisEndpoint endpoint(RedisServer server) {
        return new RedisEndpoint(server.host(), server.port(), null, null, false);
    }
}

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
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The copier against two real redis-servers, without Kafka: the copy itself. */
class SnapshotCopierTest {
    static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    static RedisConnector connector;
    /** the real Kafka that infra/test.sh starts, on a topic of this test's own */
    static CheckpointLog checkpoints;

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
            source.cliPipe(String.join("\n",
                    "SET plain value", "SET ttl:string v PX 600000", "HSET hash f1 v1 f2 v2",
                    "RPUSH list a b c", "SADD set x y z", "ZADD zset 1 one 2 two", "XADD stream 1-1 f v",
                    "XGROUP CREATE stream g 0", "PFADD hll a b c", "SETBIT bits 7 1", "EXPIRE hash 3000",
                    "SELECT 3", "SET in:db3 yes", "LPUSH ttl:list 1 2 3", "PEXPIRE ttl:list 900000",
                    "SELECT 5", "SET ignored:db5 nope", ""));
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("src-secret"), false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of(5));

            new SnapshotCopier(request, connector, events::add, checkpoints, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.SNAPSHOT_COMPLETED, last.type(), () -> "events: " + events);
            assertEquals(11L, last.keysCopied()); // 9 in db0, 2 in db3; db5 is ignored
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
            assertEquals("0", target.cli("-n", "5", "DBSIZE").trim());
        }
    }

    @Test
    void refusesASourceItCannotLogInTo() {
        try (RedisServer source = RedisServer.start("--requirepass", "right"); RedisServer target = RedisServer.start()) {
            List<MigrationEvent> events = new CopyOnWriteArrayList<>();
            SnapshotRequest request = new SnapshotRequest(UUID.randomUUID(), 1,
                    new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal("wrong-password"), false),
                    new RedisEndpoint(target.host(), target.port(), null, null, false), Set.of());

            new SnapshotCopier(request, connector, events::add, checkpoints, config()).run();

            MigrationEvent last = events.get(events.size() - 1);
            assertEquals(EventType.FAILED, last.type());
            assertTrue(last.message().contains(source.host() + ":" + source.port()), last.message());
            assertTrue(!last.message().contains("wrong-password"), last.message());
        }
    }

    static SnapshotConfig config() {
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

            public MemorySize sourceBacklog() {
                return new MemorySize(BigInteger.valueOf(64L << 20));
            }
        };
    }
}

package dev.redismigrate.common.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Several writers against a real redis-server: per-shard order, flush, db selection, refusals. */
class ShardedEntryWriterTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void appliesEachShardInOrderAndFlushWaitsForAll() {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             ShardedEntryWriter writer = open(connector, server, 3)) {
            for (int i = 0; i < 20_000; i++) {
                int list = i % 6;
                writer.write(list % 3, new Entry(list % 2, argv("RPUSH", "list:" + list, Integer.toString(i)), -1));
            }
            writer.flush();

            for (int list = 0; list < 6; list++) {
                String[] items = server.cli("-n", Integer.toString(list % 2), "LRANGE", "list:" + list, "0", "-1").trim().split("\n");
                assertEquals(20_000 / 6 + (list < 20_000 % 6 ? 1 : 0), items.length);
                for (int j = 0; j < items.length; j++) {
                    assertEquals(Integer.toString(list + 6 * j), items[j].trim(), "list " + list + " at " + j);
                }
            }
            assertTrue(writer.bytesApplied() > 0);
        }
    }

    @Test
    void aRefusalSurfacesAtTheNextCall() {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             ShardedEntryWriter writer = open(connector, server, 2)) {
            server.cli("SET", "text", "not a list");
            writer.write(1, new Entry(0, argv("RPUSH", "text", "x"), -1));

            TargetWriteException refusal = assertThrows(TargetWriteException.class, writer::flush);
            assertTrue(refusal.getMessage().contains("refused RPUSH") && refusal.getMessage().contains("WRONGTYPE"),
                    refusal.getMessage());
            assertThrows(TargetWriteException.class, () -> writer.write(0, new Entry(0, argv("SET", "a", "b"), -1)));
        }
    }

    private static ShardedEntryWriter open(RedisConnector connector, RedisServer server, int shards) {
        List<EntrySink> writers = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            writers.add(TargetSinks.open(connector, new RedisEndpoint(server.host(), server.port(), null, null, false), false,
                    "test", 50, 1 << 20, 10_000));
        }
        return new ShardedEntryWriter(writers, 1 << 20, work -> {
            Thread t = new Thread(work, "test-writer");
            t.setDaemon(true);
            return t;
        }, () -> false, entry -> { });
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }
}

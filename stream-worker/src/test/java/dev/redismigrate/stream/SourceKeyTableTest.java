package dev.redismigrate.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.redismigrate.common.cluster.ClusterWriteException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The stream's key table asks {@code COMMAND GETKEYS} of the node the stream reads now: after the node it
 * first asked is gone (a failover), the next script's keys come from the new one, not an error.
 */
class SourceKeyTableTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aScriptsKeysAreAskedOfTheNodeTheStreamReadsNow() {
        try (RedisServer first = RedisServer.start(); RedisServer promoted = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(2), Duration.ofSeconds(5), 1)) {
            AtomicReference<RedisEndpoint> readNow = new AtomicReference<>(at(first));
            try (SourceKeyTable table = new SourceKeyTable(connector, readNow::get, Duration.ofSeconds(20))) {
                assertEquals(List.of("a", "b"), names(table.keys().keys(argv("EVAL", "return 1", "2", "a", "b", "arg"))));

                // its master fails over: the capture finds the promoted replica a moment after the apply asks
                first.close();
                Thread promotion = new Thread(() -> {
                    try {
                        Thread.sleep(1_500);
                    } catch (InterruptedException e) {
                        return;
                    }
                    readNow.set(at(promoted));
                });
                promotion.start();
                assertEquals(List.of("c"), names(table.keys().keys(argv("EVAL", "return 1", "1", "c"))));
                assertEquals(at(promoted), readNow.get(), "answered by the promoted replica");
            }
            // a command the server refuses is refused at once, not asked again for the time a lost link gets
            try (SourceKeyTable table = new SourceKeyTable(connector, () -> at(promoted), Duration.ofMinutes(10))) {
                assertThrows(ClusterWriteException.class, () -> table.keys().keys(argv("EVAL", "return 1")));
            }
        }
    }

    private static RedisEndpoint at(RedisServer server) {
        return new RedisEndpoint(server.host(), server.port(), null, null, false);
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    private static List<String> names(List<byte[]> keys) {
        return keys.stream().map(k -> new String(k, StandardCharsets.UTF_8)).toList();
    }
}

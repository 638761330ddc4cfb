package dev.redismigrate.common.value;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Strings read back from real DUMP payloads (Redis 7.0 and Valkey 8) in every RDB string encoding:
 * lengths of 6, 14 and 32 bits, integers of 1, 2 and 4 bytes (negative too), and what is not plain
 * (LZF-compressed, other types, a payload cut short) gives null.
 */
class PlainStringTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void redisPayloadsOfEveryPlainEncodingGiveTheirString() {
        try (RedisServer server = RedisServer.start()) {
            readsBack(server);
        }
    }

    @Test
    void valkeyPayloadsOfEveryPlainEncodingGiveTheirString() {
        try (RedisServer server = RedisServer.startValkey()) {
            readsBack(server);
        }
    }

    private static void readsBack(RedisServer server) {
        Random random = new Random(7);
        Map<String, byte[]> values = new LinkedHashMap<>();
        values.put("empty", new byte[0]);
        values.put("short", ascii("hello"));
        values.put("len63", randomBytes(random, 63));
        values.put("len64", randomBytes(random, 64)); // 14-bit length from here
        values.put("len300", randomBytes(random, 300));
        values.put("len16383", randomBytes(random, 16383));
        values.put("len16384", randomBytes(random, 16384)); // 32-bit length from here
        values.put("len70000", randomBytes(random, 70000));
        for (String n : new String[] {"0", "7", "-1", "127", "-128", "128", "-129", "32767", "-32768", "32768",
                "-32769", "2147483647", "-2147483648", "2147483648", "-2147483649", "12345678901234", "007", "+5", "1e3"}) {
            values.put("int" + n, ascii(n));
        }
        try (RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             RedisLink link = connector.open(new RedisEndpoint(server.host(), server.port(), null, null, false), "test")) {
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                link.queue(Replies.argv("SET", ascii(e.getKey()), e.getValue()));
            }
            link.queue(Replies.argv("SET", "compressible", "a".repeat(5000)));
            link.queue(Replies.argv("RPUSH", "list", "a", "b"));
            link.queue(Replies.argv("HSET", "hash", "f", "v"));
            link.queue(Replies.argv("SADD", "ints", "1", "2"));
            link.sendQueued();
            for (Map.Entry<String, byte[]> e : values.entrySet()) {
                byte[] payload = dump(link, e.getKey());
                assertArrayEquals(e.getValue(), PlainString.of(payload), "the string of key " + e.getKey());
            }
            assertNull(PlainString.of(dump(link, "compressible")), "an LZF-compressed string is left to RESTORE");
            for (String other : new String[] {"list", "hash", "ints"}) {
                assertNull(PlainString.of(dump(link, other)), other + " is no string");
            }
            byte[] whole = dump(link, "len300");
            assertNotNull(PlainString.of(whole));
            assertNull(PlainString.of(java.util.Arrays.copyOf(whole, whole.length - 1)), "a payload cut short");
            assertNull(PlainString.of(new byte[] {0, 1}), "a payload without its trailer");
        }
    }

    private static byte[] dump(RedisLink link, String key) {
        return (byte[]) Replies.await(link, link.send(Replies.argv("DUMP", key)), Duration.ofSeconds(10), "dumping from");
    }

    /** Random bytes: LZF finds nothing to compress in them, so the server stores them plainly. */
    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

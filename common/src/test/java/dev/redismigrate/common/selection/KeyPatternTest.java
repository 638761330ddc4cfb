package dev.redismigrate.common.selection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Redis's glob semantics (stringmatchlen), case by case, and against a real server's KEYS on random binary patterns. */
class KeyPatternTest {

    private static boolean m(String pattern, String key) {
        return KeyPattern.of(pattern).matches(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void globsMatchAsRedisDocumentsThem() {
        assertTrue(m("*", "anything"));
        assertTrue(m("*", "x"));
        assertTrue(m("user:*", "user:1"));
        assertTrue(m("user:*", "user:"));
        assertFalse(m("user:*", "use"));
        assertTrue(m("h?llo", "hello"));
        assertFalse(m("h?llo", "hllo"));
        assertTrue(m("h[ae]llo", "hallo"));
        assertFalse(m("h[ae]llo", "hillo"));
        assertTrue(m("h[^e]llo", "hallo"));
        assertFalse(m("h[^e]llo", "hello"));
        assertTrue(m("h[a-b]llo", "hbllo"));
        assertTrue(m("h[b-a]llo", "hallo"), "a reversed range is swapped");
        assertFalse(m("h[a-b]llo", "hcllo"));
        assertTrue(m("a\\*b", "a*b"));
        assertFalse(m("a\\*b", "axb"));
        assertTrue(m("[\\]]", "]"));
        assertTrue(m("*a*b*", "xxaxxbxx"));
        assertFalse(m("*a*b*", "xxbxxaxx"));
        assertTrue(m("a**b", "ab"));
        assertFalse(m("abc", "abcd"));
        assertFalse(m("abcd", "abc"));
        assertTrue(m("abc*", "abc"));
    }

    @Test
    void redisReadsAnUnclosedSetToThePatternsEndAndTheApiRefusesIt() {
        assertTrue(m("[abc", "b"));
        assertFalse(m("[abc", "bb"));
        assertFalse(m("x[", "x["));
        assertTrue(m("a\\", "a\\"), "a trailing backslash is itself");
        assertNotNull(KeyPattern.problem("[abc"));
        assertNotNull(KeyPattern.problem("user:[0-9"));
        assertNotNull(KeyPattern.problem("a\\"));
        assertNotNull(KeyPattern.problem(""));
        assertNull(KeyPattern.problem("user:[0-9]*"));
        assertNull(KeyPattern.problem("a\\["));
        assertNull(KeyPattern.problem("[\\]]"));
        assertNull(KeyPattern.problem("*"));
    }

    @Test
    void binaryKeysMatchByteByByteWithSignedRanges() {
        byte[] key = {(byte) 0x80, 'a', (byte) 0xff};
        assertTrue(KeyPattern.ofBytes(new byte[] {'?', 'a', '?'}).matches(key));
        assertTrue(KeyPattern.ofBytes(new byte[] {(byte) 0x80, '*'}).matches(key));
        // C compares chars signed on x86: 0x80 (-128) lies outside [a-z], inside [\x80-a]
        assertFalse(KeyPattern.ofBytes(new byte[] {'[', 'a', '-', 'z', ']', '*'}).matches(key));
        assertTrue(KeyPattern.ofBytes(new byte[] {'[', (byte) 0x80, '-', 'a', ']', '*'}).matches(key));
        assertTrue(KeyPattern.ofBytes(new byte[] {'*', 0, '*'}).matches(new byte[] {'x', 0, 'y'}), "NUL is a byte like any other");
    }

    @Test
    void aPatternOfManyStarsEndsQuicklyAsInRedis() {
        String pattern = "a*".repeat(40) + "b";
        byte[] key = "a".repeat(80).getBytes(StandardCharsets.UTF_8);
        assertFalse(KeyPattern.of(pattern).matches(key));
    }

    /** Random binary patterns from glob-heavy bytes against random keys: the same set as the server's KEYS. */
    @Test
    void agreesWithARealServerOnRandomBinaryPatterns() {
        SecretCipher cipher = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
        byte[] alphabet = {'a', 'b', 'c', '-', '^', '[', ']', '*', '?', '\\', (byte) 0x80, (byte) 0xff, 0};
        byte[] keyAlphabet = {'a', 'b', 'c', '-', '^', '[', ']', '*', '?', '\\', (byte) 0x80, (byte) 0xff, 0, 'z'};
        Random random = new Random(17);
        try (RedisServer server = RedisServer.start();
             RedisLink link = new RedisConnector(cipher, Duration.ofSeconds(5), Duration.ofSeconds(5), 1)
                     .open(new RedisEndpoint(server.host(), server.port(), null, null, false), "pattern-test")) {
            List<byte[]> keys = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                keys.add(randomBytes(random, keyAlphabet, 1 + random.nextInt(6)));
                link.send(new byte[][] {"SET".getBytes(StandardCharsets.US_ASCII), keys.get(i), new byte[] {'1'}}).join();
            }
            for (int i = 0; i < 300; i++) {
                byte[] pattern = randomBytes(random, alphabet, 1 + random.nextInt(7));
                KeyPattern ours = KeyPattern.ofBytes(pattern);
                Set<String> expected = new TreeSet<>();
                for (Object key : (List<?>) link.send(new byte[][] {"KEYS".getBytes(StandardCharsets.US_ASCII), pattern}).join()) {
                    expected.add(HexFormat.of().formatHex((byte[]) key));
                }
                Set<String> actual = new TreeSet<>();
                for (byte[] key : keys) {
                    if (ours.matches(key)) {
                        actual.add(HexFormat.of().formatHex(key));
                    }
                }
                assertEquals(expected, actual, "pattern " + HexFormat.of().formatHex(pattern));
            }
        }
    }

    private static byte[] randomBytes(Random random, byte[] alphabet, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = alphabet[random.nextInt(alphabet.length)];
        }
        return b;
    }
}

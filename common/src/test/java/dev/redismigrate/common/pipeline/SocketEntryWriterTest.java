package dev.redismigrate.common.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.TlsTrust;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import dev.redismigrate.testing.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The copy's plain-socket writer against a real redis-server with a password: order, dbs, values
 * larger than its send buffer, a small in-flight window, the bytes acknowledged, TLS, a refusal naming
 * the command, a wrong password, a connection that breaks.
 */
class SocketEntryWriterTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    /**
     * Kept replies (the stream's transactions): an EXEC's array with a command's error in it, a GET's
     * bytes, a WATCH-refused EXEC's null; a refusal raised and caught leaves the writer usable.
     */
    @Test
    void keptRepliesAnswerEachEntryAndARefusalLeavesTheWriterUsable() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            SocketEntryWriter writer = SocketEntryWriter.keepingReplies(connector.openSocket(endpoint(server, null), "socket-test",
                    10_000), 16, 1 << 20);
            server.cli("SET", "text", "abc");
            writer.write(new Entry(0, argv("MULTI"), -1));
            writer.write(new Entry(0, argv("SET", "k", "v"), -1));
            writer.write(new Entry(0, argv("INCR", "text"), -1)); // fails when run
            java.util.concurrent.CompletableFuture<Object> exec = writer.write(new Entry(0, argv("EXEC"), -1));
            java.util.concurrent.CompletableFuture<Object> get = writer.write(new Entry(0, argv("GET", "k"), -1));
            writer.flush();
            java.util.List<?> results = (java.util.List<?>) exec.get();
            assertEquals(2, results.size());
            assertTrue(results.get(1) instanceof dev.redismigrate.common.redis.RespSocket.ErrorReply, String.valueOf(results));
            assertEquals("v", new String((byte[]) get.get(), StandardCharsets.UTF_8));

            java.util.concurrent.CompletableFuture<Object> refused = writer.write(new Entry(0, argv("EVAL", "return redis.call('NOPE')", "0"), -1));
            assertThrows(TargetWriteException.class, writer::flush);
            assertTrue(refused.isCompletedExceptionally());

            writer.write(new Entry(0, argv("WATCH", "k"), -1));
            writer.flush(); // watching before the other client writes
            server.cli("SET", "k", "changed"); // another client: the transaction is refused
            writer.write(new Entry(0, argv("MULTI"), -1));
            writer.write(new Entry(0, argv("SET", "k", "mine"), -1));
            java.util.concurrent.CompletableFuture<Object> watched = writer.write(new Entry(0, argv("EXEC"), -1));
            writer.flush();
            assertEquals(null, watched.get(), "a refused EXEC answers a null array");
            assertEquals("changed", server.cli("GET", "k").trim());
            writer.close();
        }
    }

    @Test
    void appliesInOrderAcrossDbsThroughASmallWindow() {
        try (RedisServer server = RedisServer.start("--requirepass", "socket-secret");
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            SocketEntryWriter writer = new SocketEntryWriter(connector.openSocket(endpoint(server, "socket-secret"), "socket-test",
                    10_000), 16, 1 << 20);
            long bytes = 0;
            for (int i = 0; i < 5_000; i++) {
                Entry entry = new Entry(i % 3 == 0 ? 2 : 0, argv("RPUSH", "list", Integer.toString(i)), -1);
                writer.write(entry);
                bytes += entry.size();
            }
            byte[] big = new byte[300_000]; // beyond the 64 KiB send buffer
            Arrays.fill(big, (byte) 'x');
            big[big.length - 1] = 'y';
            Entry set = new Entry(0, new byte[][] {ascii("SET"), ascii("big"), big}, -1);
            writer.write(set);
            bytes += set.size();
            writer.flush();

            String[] db0 = server.cli("LRANGE", "list", "0", "-1").trim().split("\n");
            String[] db2 = server.cli("-n", "2", "LRANGE", "list", "0", "-1").trim().split("\n");
            assertEquals(3_333, db0.length);
            assertEquals(1_667, db2.length);
            assertEquals("1", db0[0].trim());
            assertEquals("2", db0[1].trim());
            assertEquals("4999", db0[db0.length - 1].trim());
            assertEquals("0", db2[0].trim());
            assertEquals("4998", db2[db2.length - 1].trim());
            assertEquals("300000", server.cli("STRLEN", "big").trim());
            assertEquals("y", server.cli("GETRANGE", "big", "-1", "-1").trim());
            // every entry and the SELECTs the writer added between them
            assertTrue(writer.bytesApplied() > bytes, writer.bytesApplied() + " > " + bytes);
            assertTrue(writer.isOpen());
            writer.close();
            assertFalse(writer.isOpen());
        }
    }

    @Test
    void writesOverTlsTrustingTheConfiguredCa() {
        TestCertificates certs = TestCertificates.create();
        int tlsPort = RedisServer.freePort();
        try (RedisServer server = RedisServer.start(certs.redisArgs(tlsPort));
             RedisConnector connector = new RedisConnector(CIPHER, TlsTrust.of(certs.ca()), Duration.ofSeconds(5),
                     Duration.ofSeconds(10), 1);
             SocketEntryWriter writer = new SocketEntryWriter(connector.openSocket(
                     new RedisEndpoint("127.0.0.1", tlsPort, null, null, true), "socket-test", 10_000), 100, 1 << 20)) {
            writer.write(new Entry(1, argv("SET", "over", "tls"), -1));
            writer.flush();
            assertEquals("tls", server.cli("-n", "1", "GET", "over").trim());
        }
    }

    @Test
    void aRefusalNamesTheCommandAndItsDb() {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             SocketEntryWriter writer = new SocketEntryWriter(connector.openSocket(endpoint(server, null), "socket-test", 10_000),
                     100, 1 << 20)) {
            server.cli("-n", "3", "SET", "text", "1");
            writer.write(new Entry(3, argv("RPUSH", "text", "a"), -1));
            TargetWriteException refused = assertThrows(TargetWriteException.class, writer::flush);
            assertTrue(refused.getMessage().contains("refused RPUSH in db 3: WRONGTYPE"), refused.getMessage());
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithoutShowingIt() {
        RedisServer.rememberSecret("not-the-password");
        try (RedisServer server = RedisServer.start("--requirepass", "the-password");
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            RedisAccessException refused = assertThrows(RedisAccessException.class,
                    () -> connector.openSocket(endpoint(server, "not-the-password"), "socket-test", 10_000));
            assertTrue(refused.getMessage().startsWith("cannot connect to 127.0.0.1:" + server.port()), refused.getMessage());
            assertFalse(refused.getMessage().contains("password\""), refused.getMessage());
            assertFalse(refused.getMessage().contains("not-the-password"), refused.getMessage());
        }
    }

    @Test
    void aBrokenConnectionIsToldAndSeen() {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             SocketEntryWriter writer = new SocketEntryWriter(connector.openSocket(endpoint(server, null), "socket-test", 10_000),
                     100, 1 << 20)) {
            writer.write(new Entry(0, argv("SET", "a", "1"), -1));
            writer.flush();
            server.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            TargetWriteException lost = assertThrows(TargetWriteException.class, () -> {
                for (int i = 0; i < 100_000; i++) {
                    writer.write(new Entry(0, argv("SET", "k" + i, "v"), -1));
                }
                writer.flush();
            });
            assertTrue(lost.getMessage().contains("lost the connection to the target 127.0.0.1:" + server.port()), lost.getMessage());
            assertFalse(writer.isOpen());
        }
    }

    private static RedisEndpoint endpoint(RedisServer server, String password) {
        return new RedisEndpoint(server.host(), server.port(), null, password == null ? null : CIPHER.seal(password), false);
    }

    private static byte[][] argv(String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            argv[i] = ascii(args[i]);
        }
        return argv;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

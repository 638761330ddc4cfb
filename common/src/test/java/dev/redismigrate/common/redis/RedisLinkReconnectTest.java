package dev.redismigrate.common.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A killed connection that Redisson reconnects behind our back: the rest of a transaction must not
 * run on the new socket (no WATCH, no MULTI, db 0 there), where it would be applied on its own.
 */
class RedisLinkReconnectTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void commandsAfterALostConnectionFailAndNeverRunOnAReconnectedSocket() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            RedisLink link = connector.open(new RedisEndpoint(server.host(), server.port(), null, null, false), "link-test");
            try {
                link.queue(argv("SELECT", "3"));
                link.queue(argv("MULTI"));
                link.queue(argv("SET", "before", "1"));
                link.sendQueued();
                server.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (link.isOpen() && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertFalse(link.isOpen(), "the killed connection is seen as lost");
                Thread.sleep(2_000); // time for Redisson's watchdog to reconnect in the background

                CompletableFuture<Object> set = link.queue(argv("SET", "after", "1"));
                link.sendQueued();
                CompletableFuture<Object> exec = link.send(argv("EXEC"));
                assertFails(set);
                assertFails(exec);
                assertEquals("0", server.cli("-n", "0", "EXISTS", "after").trim(), "nothing ran in db 0 of a new socket");
                assertEquals("0", server.cli("-n", "3", "EXISTS", "after", "before").trim(), "nor in db 3");
            } finally {
                link.close();
            }
        }
    }

    @Test
    void aReplyOwedWhenTheConnectionIsKilledFailsAtOnce() throws Exception {
        try (RedisServer server = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1)) {
            RedisLink link = connector.open(new RedisEndpoint(server.host(), server.port(), null, null, false), "link-test");
            try {
                // a server without replicas never answers WAIT 1 0 by itself: the reply is owed until the kill
                CompletableFuture<Object> owed = link.send(argv("WAIT", "1", "0"));
                Thread.sleep(200);
                assertFalse(owed.isDone(), "WAIT is still waiting");
                server.cli("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
                assertFails(owed); // within 5 s, not at some caller's reply timeout
            } finally {
                link.close();
            }
        }
    }

    private static void assertFails(CompletableFuture<Object> reply) throws InterruptedException {
        try {
            Object value = reply.get(5, TimeUnit.SECONDS);
            throw new AssertionError("a command on a lost connection answered: " + value);
        } catch (ExecutionException expected) {
            assertTrue(expected.getCause().getMessage().contains("lost the connection"), expected.getCause().getMessage());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no failure within 5 s for a command on a lost connection");
        }
    }

    private static byte[][] argv(String... words) {
        byte[][] argv = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            argv[i] = words[i].getBytes(StandardCharsets.US_ASCII);
        }
        return argv;
    }
}

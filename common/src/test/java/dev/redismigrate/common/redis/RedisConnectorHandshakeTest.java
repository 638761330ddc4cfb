package dev.redismigrate.common.redis;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.secret.SecretCipher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A server that accepts the socket and never answers the handshake (a proxy whose backend is gone, a
 * connection killed between accept and AUTH): opening a link fails within twice the connect time-out,
 * not at the command time-out (Redisson's own connect waits without a bound once the socket is open;
 * a stream's reconnect stalled that way, 12-07).
 */
class RedisConnectorHandshakeTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aServerThatNeverAnswersTheHandshakeIsGivenUpWithinTwiceTheConnectTimeout() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(1), Duration.ofSeconds(60), 1)) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // held open, never read nor answered
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
            RedisEndpoint endpoint = new RedisEndpoint("127.0.0.1", silent.getLocalPort(), null, null, false);

            // 60 s of command time-out would be waited without the bound; twice the connect time-out is 2 s
            long since = System.nanoTime();
            RedisAccessException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(RedisAccessException.class, () -> connector.open(endpoint, "handshake-test")));
            long waitedMillis = (System.nanoTime() - since) / 1_000_000;
            // not a timing of speed: the bound itself (2 s), with room for a loaded machine, far from the 60 s
            assertTrue(waitedMillis >= 1_900 && waitedMillis < 8_000, "gave up after " + waitedMillis + " ms");
            assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
            assertTrue(!accepted.isEmpty(), "the socket was open: the wait was the handshake's");

            RedisAccessException pubSub = assertTimeoutPreemptively(Duration.ofSeconds(15),
                    () -> assertThrows(RedisAccessException.class, () -> connector.subscribe(endpoint, "handshake-test")));
            assertTrue(pubSub.getMessage().contains("cannot connect"), pubSub.getMessage());
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }
}

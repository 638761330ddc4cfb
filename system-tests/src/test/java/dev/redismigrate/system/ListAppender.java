package dev.redismigrate.system;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends 0, 1, 2, ... to one list of a server's db 0, as fast as it answers, on its own thread: the
 * completion tests' clock. Whatever the target holds of it must be a prefix without a gap, and the
 * writes after the switch point are its tail on the source. A paused server's writes (CLIENT PAUSE)
 * just wait.
 */
final class ListAppender implements AutoCloseable {
    static final String KEY = "live:appended";
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    private final RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(60), 1);
    private final RedisLink link;
    private final AtomicLong appended = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    ListAppender(RedisServer server, String key) {
        String sealed = server.password() == null ? null : CIPHER.seal(server.password());
        link = connector.open(new RedisEndpoint(server.host(), server.port(), null, sealed, false), "test-appender");
        thread = new Thread(() -> {
            while (running) {
                link.call("RPUSH", key, Long.toString(appended.get()));
                appended.incrementAndGet();
            }
        }, "list-appender");
        thread.start();
    }

    long appended() {
        return appended.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
        link.close();
        connector.close();
    }
}

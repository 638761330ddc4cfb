package dev.redismigrate.system;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps writing fractional numbers to the source on its own thread (two dbs): sorted-set scores
 * by ZINCRBY and ZADD, INCRBYFLOAT and HINCRBYFLOAT. Next to {@link SourceWriter}, whose scores
 * are whole numbers: Redis 7.0 and Valkey 8 print fractional doubles differently, so these are the
 * writes a copy between the two families can get wrong.
 */
final class ScoreWriter implements AutoCloseable {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    private final RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    private final RedisLink link;
    private final AtomicLong rounds = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    ScoreWriter(RedisServer source) {
        link = connector.open(new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal(source.password()), false), "test-scores");
        thread = new Thread(this::loop, "score-writer");
        thread.start();
    }

    private void loop() {
        while (running) {
            long i = rounds.get();
            link.call("SELECT", i % 2);
            link.call("ZINCRBY", "live:scores", "0.1", "m" + (i % 7));
            link.call("ZADD", "live:fractional", Double.toString(i * 1.5e-7 - 0.3), "m" + (i % 300));
            link.call("INCRBYFLOAT", "live:float", "0.1");
            link.call("HINCRBYFLOAT", "live:hfloat", "f" + (i % 5), "0.7");
            rounds.incrementAndGet();
        }
    }

    long rounds() {
        return rounds.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
        link.close();
        connector.close();
    }
}

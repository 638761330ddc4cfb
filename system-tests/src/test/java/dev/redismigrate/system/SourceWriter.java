package dev.redismigrate.system;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps writing to the source (every type, two dbs, transactions, scripts, expiries) on its own thread.
 * With a fixed keyspace it only changes the keys it has made (no short-lived keys, no DEL), so that the
 * source's key count holds still once every one exists (60 rounds) while values keep changing.
 */
final class SourceWriter implements AutoCloseable {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    private final RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    private final RedisLink link;
    private final AtomicLong rounds = new AtomicLong();
    private final Thread thread;
    private final boolean fixedKeyspace;
    private volatile boolean running = true;

    SourceWriter(RedisServer source) {
        this(source, false);
    }

    SourceWriter(RedisServer source, boolean fixedKeyspace) {
        this.fixedKeyspace = fixedKeyspace;
        link = connector.open(new RedisEndpoint(source.host(), source.port(), null, CIPHER.seal(source.password()), false), "test-writer");
        thread = new Thread(this::loop, "source-writer");
        thread.start();
    }

    private void loop() {
        while (running) {
            long i = rounds.get();
            link.call("SELECT", i % 2);
            link.call("INCR", "live:counter");
            link.call("LPUSH", "live:list", "item-" + i);
            link.call("HSET", "live:hash", "f" + (i % 50), "v" + i);
            link.call("ZINCRBY", "live:zset", 1, "m" + (i % 20));
            link.call("SADD", "live:set", "s" + (i % 100));
            link.call("XADD", "live:stream", "*", "n", Long.toString(i));
            link.call("SET", "live:ttl:" + (i % 30), "v" + i, "PX", 120_000);
            if (!fixedKeyspace) {
                link.call("SET", "live:short:" + i, "gone soon", "PX", 30); // expires during the migration
            }
            link.call("MULTI");
            link.call("INCRBY", "live:tx", 2);
            link.call("RPUSH", "live:tx:list", Long.toString(i));
            link.call("EXEC");
            link.call("EVAL", "redis.call('HINCRBY', KEYS[1], 'calls', 1) return 1", 1, "live:script");
            if (i % 25 == 0 && !fixedKeyspace) {
                link.call("DEL", "live:list");
            }
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

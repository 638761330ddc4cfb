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
 * With fractions it also writes fractional numbers (ZINCRBY and ZADD scores, INCRBYFLOAT,
 * HINCRBYFLOAT): Redis 7.0 and Valkey 8 print fractional doubles differently, so these are the
 * writes a copy between the two families can get wrong.
 */
final class SourceWriter implements AutoCloseable {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    private final RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    private final RedisLink link;
    private final AtomicLong rounds = new AtomicLong();
    private final Thread thread;
    private final boolean fixedKeyspace;
    private final boolean fractions;
    private volatile boolean running = true;

    SourceWriter(RedisServer source) {
        this(source, false);
    }

    SourceWriter(RedisServer source, boolean fixedKeyspace) {
        this(source, fixedKeyspace, false);
    }

    static SourceWriter withFractions(RedisServer source) {
        return new SourceWriter(source, false, true);
    }

    private SourceWriter(RedisServer source, boolean fixedKeyspace, boolean fractions) {
        this.fixedKeyspace = fixedKeyspace;
        this.fractions = fractions;
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
            if (fractions) {
                link.call("ZINCRBY", "live:scores", "0.1", "m" + (i % 7));
                link.call("ZADD", "live:fractional", Double.toString(i * 1.5e-7 - 0.3), "m" + (i % 300));
                link.call("INCRBYFLOAT", "live:float", "0.1");
                link.call("HINCRBYFLOAT", "live:hfloat", "f" + (i % 5), "0.7");
            }
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

package dev.redismigrate.system;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes to a test cluster as a cluster client does: each key to the master of its slot (slots split
 * evenly, as {@link RedisCluster} assembles them). Seeds every type with and without TTLs, keeps
 * writing on its own thread (transactions and scripts on hash-tagged keys), and combines the masters'
 * DEBUG DIGESTs into the digest one server holding all their keys has.
 */
final class ClusterData implements AutoCloseable {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    private final RedisCluster cluster;
    private final RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    /** shard i's master now (a failover moves it: {@link #follow}) */
    private final List<RedisLink> masters = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<RedisServer> masterServers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong failedRounds = new AtomicLong();
    private volatile boolean running;
    private Thread thread;

    ClusterData(RedisCluster cluster) {
        this.cluster = cluster;
        for (int i = 0; i < cluster.masters(); i++) {
            RedisServer m = cluster.master(i);
            masters.add(connector.open(new RedisEndpoint(m.host(), m.port(), null, null, false), "test-writer-" + i));
            masterServers.add(m);
        }
    }

    /** Shard {@code shard}'s master is now {@code node} (a failover): writes and digests go there. */
    void follow(int shard, RedisServer node) {
        RedisLink old = masters.set(shard, connector.open(new RedisEndpoint(node.host(), node.port(), null, null, false),
                "test-writer-" + shard));
        masterServers.set(shard, node);
        old.close();
    }

    /** Rounds that failed part way (a master gone until {@link #follow}); the source decides what they left. */
    long failedRounds() {
        return failedRounds.get();
    }

    /** The master serving the key's slot. */
    private RedisLink of(String key) {
        return masters.get(ClusterKeys.masterOf(cluster, HashSlot.of(key)));
    }

    private Object call(String key, Object... argv) {
        Object[] rest = new Object[argv.length - 1];
        System.arraycopy(argv, 1, rest, 0, rest.length);
        return of(key).call(argv[0].toString(), rest);
    }

    /** Every type, with and without TTL, {@code perType} keys each (spread over the slots, so over the shards), plus bulk strings. */
    void seed(int perType, int bulk) {
        for (int i = 0; i < perType; i++) {
            call("seed:string:" + i, "SET", "seed:string:" + i, "hello-" + i);
            call("seed:ttl:string:" + i, "SET", "seed:ttl:string:" + i, "bye", "PX", 600_000);
            call("seed:hash:" + i, "HSET", "seed:hash:" + i, "a", "1", "b", "2");
            call("seed:ttl:hash:" + i, "HSET", "seed:ttl:hash:" + i, "a", "1");
            call("seed:ttl:hash:" + i, "EXPIRE", "seed:ttl:hash:" + i, 3600);
            call("seed:list:" + i, "RPUSH", "seed:list:" + i, "a", "b", "c");
            call("seed:set:" + i, "SADD", "seed:set:" + i, "a", "b", "c");
            call("seed:intset:" + i, "SADD", "seed:intset:" + i, "1", "2", "3");
            call("seed:zset:" + i, "ZADD", "seed:zset:" + i, "1", "a", "2", "b");
            call("seed:ttl:zset:" + i, "ZADD", "seed:ttl:zset:" + i, "1", "a");
            call("seed:ttl:zset:" + i, "EXPIRE", "seed:ttl:zset:" + i, 3600);
            call("seed:stream:" + i, "XADD", "seed:stream:" + i, "1-1", "f", "v");
            call("seed:stream:" + i, "XGROUP", "CREATE", "seed:stream:" + i, "readers", "0");
            call("seed:hll:" + i, "PFADD", "seed:hll:" + i, "a", "b", "c");
            call("seed:bitmap:" + i, "SETBIT", "seed:bitmap:" + i, "100", "1");
        }
        List<CompletableFuture<Object>> replies = new ArrayList<>();
        for (int i = 0; i < bulk; i++) {
            String key = "bulk:" + i;
            replies.add(of(key).send(new byte[][] {ascii("SET"), ascii(key), ascii("v".repeat(64) + i)}));
        }
        replies.forEach(CompletableFuture::join);
    }

    /** Keeps writing (every type, TTLs, a transaction and a script per round) until {@link #close}. */
    void startWriting() {
        running = true;
        thread = new Thread(() -> {
            while (running) {
                try {
                    round(rounds.get());
                } catch (RuntimeException e) { // a killed master: the round is retried once the shard is followed
                    failedRounds.incrementAndGet();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                    continue;
                }
                rounds.incrementAndGet();
            }
        }, "cluster-writer");
        thread.start();
    }

    /** One round of writes; a failure leaves it part done (the source decides what it left). */
    private void round(long i) {
        call("live:counter:" + (i % 10), "INCR", "live:counter:" + (i % 10));
        call("live:list:" + (i % 7), "LPUSH", "live:list:" + (i % 7), "item-" + i);
        call("live:hash:" + (i % 5), "HSET", "live:hash:" + (i % 5), "f" + (i % 50), "v" + i);
        call("live:zset:" + (i % 3), "ZINCRBY", "live:zset:" + (i % 3), 1, "m" + (i % 20));
        call("live:set:" + (i % 4), "SADD", "live:set:" + (i % 4), "s" + (i % 100));
        call("live:stream", "XADD", "live:stream", "*", "n", Long.toString(i));
        call("live:ttl:" + (i % 30), "SET", "live:ttl:" + (i % 30), "v" + i, "PX", 120_000);
        call("live:short:" + i, "SET", "live:short:" + i, "gone soon", "PX", 30);
        RedisLink tx = of("{tx}");
        tx.call("MULTI");
        tx.call("INCRBY", "{tx}:a", 2);
        tx.call("RPUSH", "{tx}:list", Long.toString(i));
        tx.call("EXEC");
        call("live:script", "EVAL", "redis.call('HINCRBY', KEYS[1], 'calls', 1) return 1", 1, "live:script");
        if (i % 25 == 0) {
            call("live:list:0", "DEL", "live:list:0");
        }
    }

    long rounds() {
        return rounds.get();
    }

    void stopWriting() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(10_000);
        }
    }

    /** Keys on every master together. */
    long keys() {
        return masters.stream().mapToLong(m -> (Long) m.call("DBSIZE")).sum();
    }

    /**
     * The DEBUG DIGEST of one server holding every master's keys (db 0): Redis starts from
     * SHA1(SHA1(db number as 4 bytes)) for a non-empty db 0 (its mixDigest) and XORs in each key's digest, so
     * XOR-ing the masters' digests gives that start once per non-empty master: an even count takes it out
     * (checked against redis-server 7.0 12-07: two servers of one key each against one of both).
     */
    String digest() {
        byte[] all = new byte[20];
        int nonEmpty = 0;
        for (int i = 0; i < cluster.masters(); i++) {
            byte[] d = HexFormat.of().parseHex(masterServers.get(i).digest());
            boolean empty = true;
            for (int b = 0; b < 20; b++) {
                all[b] ^= d[b];
                empty &= d[b] == 0;
            }
            nonEmpty += empty ? 0 : 1;
        }
        if (nonEmpty == 0) {
            return HexFormat.of().formatHex(all);
        }
        if (nonEmpty % 2 == 0) {
            // DEBUG DIGEST's start for db 0: SHA1 of (20 zero bytes XOR SHA1 of the db number's 4 bytes)
            byte[] start = sha1(sha1(new byte[4]));
            for (int b = 0; b < 20; b++) {
                all[b] ^= start[b];
            }
        }
        return HexFormat.of().formatHex(all);
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws InterruptedException {
        stopWriting();
        masters.forEach(RedisLink::close);
        connector.close();
    }
}

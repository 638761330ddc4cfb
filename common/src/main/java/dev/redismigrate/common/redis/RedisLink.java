package dev.redismigrate.common.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisConnection;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.client.protocol.RedisCommand;

/** One ordered connection to a Redis server. Not thread-safe for interleaved SELECTs. */
public final class RedisLink implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final RedisClient client;
    private final RedisConnection connection;
    private final Duration timeout;

    RedisLink(RedisEndpoint endpoint, RedisClient client, RedisConnection connection, Duration timeout) {
        this.endpoint = endpoint;
        this.client = client;
        this.connection = connection;
        this.timeout = timeout;
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** Runs a command with text arguments and waits for its reply (text). */
    public Object call(String command, Object... args) {
        try {
            return connection.async(StringCodec.INSTANCE, new RedisCommand<>(command), args)
                    .toCompletableFuture().get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw RedisAccessException.from(command + " on " + endpoint.address() + " failed", e);
        }
    }

    /** Sends a raw command (argv[0] is its name) without waiting; replies come back in order. */
    public CompletableFuture<Object> send(byte[][] argv) {
        Object[] args = new Object[argv.length - 1];
        System.arraycopy(argv, 1, args, 0, args.length);
        return connection.async(ByteArrayCodec.INSTANCE, new RedisCommand<>(new String(argv[0], StandardCharsets.UTF_8)), args)
                .toCompletableFuture();
    }

    /** The fields of one INFO section as name → value. */
    public Map<String, String> info(String section) {
        String text = String.valueOf(call("INFO", section));
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return fields;
    }

    public RedisVersion version() {
        String v = info("server").get("redis_version");
        if (v == null) {
            throw new RedisAccessException(endpoint.address() + " did not say its version (INFO server)");
        }
        return RedisVersion.parse(v);
    }

    public boolean isOpen() {
        return connection.isActive();
    }

    @Override
    public void close() {
        try {
            connection.closeAsync();
        } finally {
            client.shutdownAsync();
        }
    }
}

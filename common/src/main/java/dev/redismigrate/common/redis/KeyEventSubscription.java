package dev.redismigrate.common.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisson.client.ChannelName;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisPubSubConnection;
import org.redisson.client.RedisPubSubListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.protocol.pubsub.PubSubType;

/**
 * A subscription to a server's key-event notifications ({@code __keyevent@<db>__:<event>}, the key
 * as the message: binary keys arrive intact). Pub/sub is not durable: once the connection drops,
 * what happened meanwhile is lost for good, so a drop is reported rather than silently reconnected.
 */
public final class KeyEventSubscription implements AutoCloseable {
    private static final String PATTERN = "__keyevent@*__:*";
    private static final String PREFIX = "__keyevent@";

    /** Hears each changed key, and once that the subscription was lost. */
    public interface Listener {
        void changed(int db, byte[] key);

        void lost(String reason);
    }

    private final RedisEndpoint endpoint;
    private final RedisClient client;
    private final RedisPubSubConnection connection;
    private final Duration timeout;
    private volatile boolean closing;

    KeyEventSubscription(RedisEndpoint endpoint, RedisClient client, RedisPubSubConnection connection, Duration timeout) {
        this.endpoint = endpoint;
        this.client = client;
        this.connection = connection;
        this.timeout = timeout;
    }

    /** Subscribes and returns once the server confirmed: every change after that reaches the listener. */
    public void start(Listener listener) {
        ChannelName pattern = new ChannelName(PATTERN);
        CompletableFuture<Void> subscribed = new CompletableFuture<>();
        connection.addListener(pattern, new RedisPubSubListener<Object>() {
            @Override
            public void onStatus(PubSubType type, CharSequence channel) {
                if (type == PubSubType.PSUBSCRIBE) {
                    subscribed.complete(null); // the server's confirmation
                }
            }

            @Override
            public void onMessage(CharSequence channel, Object message) {
                // patterns only
            }

            @Override
            public void onPatternMessage(CharSequence p, CharSequence channel, Object message) {
                int db = dbOf(channel.toString());
                if (db >= 0 && message instanceof byte[] key) {
                    listener.changed(db, key);
                }
            }
        });
        // the original channel: Redisson would reconnect on a new one, after a gap nobody heard
        connection.getChannel().closeFuture().addListener(f -> {
            if (!closing) {
                listener.lost("the keyspace notification subscription to " + endpoint.address() + " was lost");
            }
        });
        connection.psubscribe(ByteArrayCodec.INSTANCE, pattern);
        try {
            subscribed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException("interrupted while subscribing to " + endpoint.address());
        } catch (Exception e) {
            throw RedisAccessException.from("PSUBSCRIBE on " + endpoint.address() + " failed", e);
        }
    }

    /** "__keyevent@3__:set" → 3; -1 for anything else. */
    static int dbOf(String channel) {
        int end = channel.indexOf("__:", PREFIX.length());
        if (!channel.startsWith(PREFIX) || end < 0) {
            return -1;
        }
        try {
            return Integer.parseInt(channel.substring(PREFIX.length(), end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closing = true;
        try {
            connection.closeAsync();
        } finally {
            client.shutdownAsync();
        }
    }
}

package dev.redismigrate.common.redis;

import dev.redismigrate.common.secret.SecretCipher;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.HashedWheelTimer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.redisson.api.RFuture;
import org.redisson.client.RedisClient;
import org.redisson.client.RedisClientConfig;
import org.redisson.client.RedisConnection;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;

/**
 * Opens {@link RedisLink}s to endpoints with Redisson's connection-level client: a migration needs
 * one ordered connection per stream of commands (SELECT is per connection), which a pooled
 * high-level client cannot give. One Netty event loop and timer are shared by all links.
 */
public final class RedisConnector implements AutoCloseable {
    private final SecretCipher cipher;
    private final TlsTrust tls;
    private final Duration connectTimeout;
    private final Duration commandTimeout;
    private final EventLoopGroup group;
    private final HashedWheelTimer timer;

    public RedisConnector(SecretCipher cipher, Duration connectTimeout, Duration commandTimeout, int ioThreads) {
        this(cipher, TlsTrust.of(null), connectTimeout, commandTimeout, ioThreads);
    }

    public RedisConnector(SecretCipher cipher, TlsTrust tls, Duration connectTimeout, Duration commandTimeout, int ioThreads) {
        this.cipher = cipher;
        this.tls = tls;
        this.connectTimeout = connectTimeout;
        this.commandTimeout = commandTimeout;
        this.group = new NioEventLoopGroup(ioThreads);
        this.timer = new HashedWheelTimer(100, TimeUnit.MILLISECONDS);
    }

    public SecretCipher cipher() {
        return cipher;
    }

    /** The trust that TLS connections use (the replication link too). */
    public TlsTrust tls() {
        return tls;
    }

    /** Connects and logs in; throws {@link RedisAccessException} with a reason a user can act on. */
    public RedisLink open(RedisEndpoint endpoint, String clientName) {
        RedisClient client = RedisClient.create(config(endpoint, clientName));
        try {
            RedisConnection connection = connected(client.connectAsync(), client);
            return new RedisLink(endpoint, client, connection, commandTimeout);
        } catch (RuntimeException e) {
            client.shutdown();
            throw RedisAccessException.from("cannot connect to " + endpoint.address(), e);
        }
    }

    /**
     * A plain RESP connection for a copy's hot path ({@link RespSocket}), logged in as {@link #open}
     * does; its replies wait at most {@code replyTimeoutMillis}.
     */
    public RespSocket openSocket(RedisEndpoint endpoint, String clientName, long replyTimeoutMillis) {
        return RespSocket.open(endpoint, endpoint.hasPassword() ? cipher.open(endpoint.sealedPassword()) : null, clientName,
                tls, (int) connectTimeout.toMillis(), replyTimeoutMillis);
    }

    /** A pub/sub connection for keyspace notifications, logged in like {@link #open}. */
    public KeyEventSubscription subscribe(RedisEndpoint endpoint, String clientName) {
        RedisClient client = RedisClient.create(config(endpoint, clientName));
        try {
            return new KeyEventSubscription(endpoint, client, connected(client.connectPubSubAsync(), client), commandTimeout);
        } catch (RuntimeException e) {
            client.shutdown();
            throw RedisAccessException.from("cannot connect to " + endpoint.address(), e);
        }
    }

    /**
     * The connection, within twice the connect time-out: Redisson's own connect waits without a bound once
     * the socket is open, and a connection closed during its handshake (AUTH, CLIENT SETNAME) was waited
     * for until the command time-out (a stream's reconnect held 20+ s by a target's CLIENT KILL that met
     * it there, 12-07). A live server answers the handshake in milliseconds. Failures as Redisson's connect.
     */
    private <C> C connected(RFuture<C> connecting, RedisClient client) {
        try {
            return connecting.toCompletableFuture().get(connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisException redis) {
                throw redis;
            }
            throw new RedisConnectionException("Unable to connect to: " + client.getAddr(), e.getCause());
        } catch (TimeoutException e) {
            throw new RedisConnectionException("the connection's handshake got no answer within "
                    + connectTimeout.toMillis() * 2 + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisConnectionException("interrupted while connecting");
        }
    }

    private RedisClientConfig config(RedisEndpoint endpoint, String clientName) {
        RedisClientConfig config = new RedisClientConfig()
                .setAddress((endpoint.tls() ? "rediss://" : "redis://") + endpoint.address())
                .setGroup(group)
                .setSocketChannelClass(NioSocketChannel.class)
                // with a resolver given, Redisson does not probe for epoll/kqueue classes we do not ship
                .setResolverGroup(DefaultAddressResolverGroup.INSTANCE)
                .setTimer(timer)
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setCommandTimeout((int) commandTimeout.toMillis())
                .setTcpNoDelay(true)
                .setClientName(clientName);
        if (endpoint.tls()) {
            config.setSslTrustManagerFactory(tls.trustManagers());
        }
        if (endpoint.username() != null && !endpoint.username().isEmpty()) {
            config.setUsername(endpoint.username());
        }
        if (endpoint.hasPassword()) {
            config.setPassword(cipher.open(endpoint.sealedPassword()));
        }
        return config;
    }

    @Override
    public void close() {
        timer.stop();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}

package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.CommandKeys;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The source's key table for the stream's key filters ({@link CommandKeys}), which asks the source
 * {@code COMMAND GETKEYS} for the commands whose keys move (scripts, {@code SORT … STORE}), on a link of the
 * apply thread's own. That link follows the stream: when it broke (the node it reached failed over) the
 * question goes to the node the stream reads now, whose command table is the same, again and again for up
 * to {@code retryFor}: the commands captured before a failover are applied while the capture is still
 * finding the promoted replica. Before, the link stayed on the old master and the first such command after
 * a failover ended the stream in {@code error}.
 */
final class SourceKeyTable implements AutoCloseable {
    private static final String CLIENT_NAME = "redis-migrate-stream-keys";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RETRY_TIMEOUT = Duration.ofSeconds(5);
    private static final long RETRY_PAUSE_MS = 200;

    private final RedisConnector connector;
    private final Supplier<RedisEndpoint> readNow;
    private final Duration retryFor;
    private final CommandKeys keys;
    /** null while a reconnect failed */
    private RedisLink link;

    /**
     * @param readNow the source node the stream reads now (a shard's master after a failover)
     * @param retryFor how long a lost link is tried again (the stream's own wait for a lost source)
     */
    SourceKeyTable(RedisConnector connector, Supplier<RedisEndpoint> readNow, Duration retryFor) {
        this.connector = connector;
        this.readNow = readNow;
        this.retryFor = retryFor;
        this.link = connector.open(readNow.get(), CLIENT_NAME);
        try {
            this.keys = CommandKeys.of(link.call("COMMAND"), this::askKeys);
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
    }

    CommandKeys keys() {
        return keys;
    }

    /**
     * Asked again, on a new link, after a failure of the link (it is closed, or no longer answers a PING) until
     * {@code retryFor}; a refusal by a server that answers comes back at once.
     */
    private List<byte[]> askKeys(byte[][] argv) {
        long deadline = System.nanoTime() + retryFor.toNanos();
        Duration timeout = TIMEOUT;
        while (true) {
            try {
                if (link == null || !link.isOpen()) {
                    close();
                    link = connector.open(readNow.get(), CLIENT_NAME);
                }
                return CommandKeys.askKeys(link, argv, timeout);
            } catch (RuntimeException e) {
                if (answers()) {
                    throw e; // the server refused the question itself
                }
                close();
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
            }
            pause();
            timeout = RETRY_TIMEOUT;
        }
    }

    private boolean answers() {
        try {
            return link != null && link.isOpen() && "PONG".equals(String.valueOf(link.call(RETRY_TIMEOUT, "PING")));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(RETRY_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the source's key table was reached again", e);
        }
    }

    @Override
    public void close() {
        if (link != null) {
            link.close();
            link = null;
        }
    }
}

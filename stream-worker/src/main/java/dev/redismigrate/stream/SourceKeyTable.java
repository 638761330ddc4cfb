package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.CommandKeys;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The source's key table for the stream's key filters ({@link CommandKeys}), which asks the source
 * {@code COMMAND GETKEYS} for the commands whose keys move (scripts, {@code SORT … STORE}), on a link of the
 * apply thread's own. That link follows the stream: when it broke (the node it reached failed over) the
 * question goes once more to the node the stream reads now, whose command table is the same; before, the
 * link stayed on the old master and the first such command after a failover ended the stream in
 * {@code error}.
 */
final class SourceKeyTable implements AutoCloseable {
    private static final String CLIENT_NAME = "redis-migrate-stream-keys";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final RedisConnector connector;
    private final Supplier<RedisEndpoint> readNow;
    private final CommandKeys keys;
    private RedisLink link;

    /** @param readNow the source node the stream reads now (a shard's master after a failover) */
    SourceKeyTable(RedisConnector connector, Supplier<RedisEndpoint> readNow) {
        this.connector = connector;
        this.readNow = readNow;
        this.link = connector.open(readNow.get(), CLIENT_NAME);
        this.keys = CommandKeys.of(link.call("COMMAND"), this::askKeys);
    }

    CommandKeys keys() {
        return keys;
    }

    private List<byte[]> askKeys(byte[][] argv) {
        try {
            return CommandKeys.askKeys(link, argv, TIMEOUT);
        } catch (RuntimeException lost) {
            // asked once more on a new link: a refusal of the command itself comes back the same way
            link.close();
            link = connector.open(readNow.get(), CLIENT_NAME);
            return CommandKeys.askKeys(link, argv, TIMEOUT);
        }
    }

    @Override
    public void close() {
        link.close();
    }
}

package dev.redismigrate.common.replication;

import com.moilioncircle.redis.replicator.AbstractReplicator;
import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.RedisSocketReplicator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The library's replica connection, except that {@link #close()} also closes the socket: the
 * library only flags the link as closing and notices at the next byte from the source, which on a
 * quiet source is the next PING, seconds later. A stop must take effect at once. With an RDB sink,
 * a full sync's RDB is copied there as it comes ({@link RdbTransfer}) instead of being parsed.
 */
public final class SourceReplica extends RedisSocketReplicator {
    private final RdbTransfer.Sink rdbSink;

    SourceReplica(String host, int port, Configuration configuration, RdbTransfer.Sink rdbSink) {
        super(host, port, configuration);
        this.rdbSink = rdbSink;
    }

    @Override
    protected void parseDump(AbstractReplicator replicator) throws IOException {
        if (rdbSink == null) {
            super.parseDump(replicator);
        } else {
            RdbTransfer.copy(inputStream, rdbSink);
        }
    }

    /**
     * Acknowledges at once, then every heartbeat. A source that sent its RDB diskless keeps the
     * replica offline until an ACK that comes after it reaped its RDB child, holding every write
     * meanwhile in the replica's output buffer, which under a heavy write load can pass its limit and
     * drop the link. The ACK sent at once is often earlier than that; the heartbeat's short period
     * ({@link SourceReplicas}) bounds the wait for the next one.
     */
    @Override
    protected void heartbeat() {
        sendQuietly("REPLCONF".getBytes(StandardCharsets.US_ASCII), "ACK".getBytes(StandardCharsets.US_ASCII),
                Long.toString(configuration.getReplOffset()).getBytes(StandardCharsets.US_ASCII));
        super.heartbeat();
    }

    @Override
    public void close() throws IOException {
        super.close();
        doClose();
    }
}

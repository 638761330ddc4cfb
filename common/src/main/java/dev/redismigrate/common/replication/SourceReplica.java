package dev.redismigrate.common.replication;

import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.RedisSocketReplicator;
import java.io.IOException;

/**
 * The library's replica connection, except that {@link #close()} also closes the socket: the
 * library only flags the link as closing and notices at the next byte from the source, which on a
 * quiet source is the next PING, seconds later. A stop must take effect at once.
 */
public final class SourceReplica extends RedisSocketReplicator {

    SourceReplica(String host, int port, Configuration configuration) {
        super(host, port, configuration);
    }

    @Override
    public void close() throws IOException {
        super.close();
        doClose();
    }
}

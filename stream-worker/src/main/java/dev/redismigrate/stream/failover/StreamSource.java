package dev.redismigrate.stream.failover;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import org.jboss.logging.Logger;

/**
 * The node a stream reads: the request's source, and for a cluster source's shard whichever node
 * masters the shard after a failover ({@link ShardMaster}). The capture asks it where to reconnect;
 * the progress reports ask it for the source's offset (its own link, reopened on the node that
 * serves now) and which node that is.
 */
public final class StreamSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StreamSource.class);

    private final RedisConnector connector;
    /** null: a standalone source, or a shard's topology that could not be read (followed where it is) */
    private final ShardMaster shard;
    private volatile RedisEndpoint endpoint;
    /** guarded by this: the progress reports' link, to {@code endpoint} */
    private RedisLink link;

    private StreamSource(RedisConnector connector, RedisEndpoint endpoint, ShardMaster shard) {
        this.connector = connector;
        this.endpoint = endpoint;
        this.shard = shard;
    }

    /** A standalone source: always the same node. */
    public static StreamSource fixed(RedisConnector connector, RedisEndpoint source) {
        return new StreamSource(connector, source, null);
    }

    /** A cluster source's shard, whose master {@code source} is (reached over {@code link}): followed across failovers. */
    public static StreamSource ofShard(RedisConnector connector, RedisEndpoint source, RedisLink link) {
        ShardMaster shard;
        try {
            shard = ShardMaster.of(connector, link, source);
        } catch (RuntimeException e) { // CLUSTER refused (ACL, renamed): the stream still runs, without following a failover
            LOG.warnf("the shard of %s cannot be told (%s): a failover of it will not be followed", source.address(), e.getMessage());
            shard = null;
        }
        return new StreamSource(connector, source, shard);
    }

    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** "host:port" of the node read now. */
    public String address() {
        return endpoint.address();
    }

    /**
     * The link to {@link #endpoint()} was lost: where to connect next. A shard's master is looked up
     * again (a promoted replica, or the same node when no failover happened); @return whether it moved
     */
    public boolean relocate() {
        if (shard == null) {
            return false;
        }
        RedisEndpoint now = shard.find(endpoint);
        if (now == null || now.address().equals(endpoint.address())) {
            return false;
        }
        LOG.infof("the master of the shard serving slot %d moved from %s to %s", shard.slot(), endpoint.address(), now.address());
        endpoint = now;
        return true;
    }

    /** The source's {@code master_repl_offset}, or -1 when the node cannot say now (during a failover). */
    public synchronized long masterOffset() {
        try {
            if (link == null || !link.isOpen() || !link.endpoint().address().equals(endpoint.address())) {
                closeLink();
                link = connector.open(endpoint, "redis-migrate-stream-progress");
            }
            return Long.parseLong(link.info("replication").getOrDefault("master_repl_offset", "-1"));
        } catch (RuntimeException e) { // a node gone mid-failover: no figure this time
            closeLink();
            return -1;
        }
    }

    private void closeLink() {
        if (link != null) {
            link.close();
            link = null;
        }
    }

    @Override
    public synchronized void close() {
        closeLink();
    }
}

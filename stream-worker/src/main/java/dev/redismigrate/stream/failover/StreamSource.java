package dev.redismigrate.stream.failover;

import dev.redismigrate.common.cluster.ShardMaster;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * The node a stream reads: the request's source, and for a cluster source's shard whichever node
 * masters the shard after a failover ({@link ShardMaster}). The capture asks it where to reconnect;
 * the progress reports ask it for the source's offset and which node that is: on the task's link to
 * the request's source, and once a shard's master moved (or that link broke) on a link of its own.
 */
public final class StreamSource implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(StreamSource.class);
    /** how long a progress report waits for a shard's node to say its offset */
    private static final Duration SHARD_WAIT = Duration.ofSeconds(2);

    private final RedisConnector connector;
    /** null: a standalone source, or a shard's topology that could not be read (followed where it is) */
    private final ShardMaster shard;
    private volatile RedisEndpoint endpoint;
    /** the task's link to the request's source (the task closes it) */
    private final RedisLink taskLink;
    /** guarded by this: the progress reports' own link, to {@code endpoint}, once the task's is not used */
    private RedisLink ownLink;

    private StreamSource(RedisConnector connector, RedisEndpoint endpoint, RedisLink taskLink, ShardMaster shard) {
        this.connector = connector;
        this.endpoint = endpoint;
        this.taskLink = taskLink;
        this.shard = shard;
    }

    /** A standalone source, reached over the task's {@code link}: always the same node. */
    public static StreamSource fixed(RedisConnector connector, RedisEndpoint source, RedisLink link) {
        return new StreamSource(connector, source, link, null);
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
        return new StreamSource(connector, source, link, shard);
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

    /**
     * The source's {@code master_repl_offset}. A shard's: -1 while its node cannot say (mid-failover),
     * so its reports go on while the capture finds the new master (a silent stream would be handed
     * over to the node that is gone). A standalone source's failure is thrown, as before: its silence
     * is what hands the stream over.
     */
    public synchronized long masterOffset() {
        try {
            // a shard's node mid-failover does not answer: its reports must go on meanwhile (not wait out the link's timeout)
            Object info = shard == null ? link().call("INFO", "replication") : link().call(SHARD_WAIT, "INFO", "replication");
            return Long.parseLong(RedisLink.infoFields(String.valueOf(info)).getOrDefault("master_repl_offset", "-1"));
        } catch (RuntimeException e) {
            if (shard == null) {
                throw e;
            }
            closeOwnLink();
            return -1;
        }
    }

    /** Guarded by this: the task's link while it reaches the node read now, else one of its own. */
    private RedisLink link() {
        if (ownLink == null && (shard == null || taskLink.isOpen() && taskLink.endpoint().address().equals(endpoint.address()))) {
            return taskLink;
        }
        if (ownLink == null || !ownLink.isOpen() || !ownLink.endpoint().address().equals(endpoint.address())) {
            closeOwnLink();
            ownLink = connector.open(endpoint, "redis-migrate-stream-progress");
        }
        return ownLink;
    }

    private void closeOwnLink() {
        if (ownLink != null) {
            ownLink.close();
            ownLink = null;
        }
    }

    @Override
    public synchronized void close() {
        closeOwnLink();
    }
}

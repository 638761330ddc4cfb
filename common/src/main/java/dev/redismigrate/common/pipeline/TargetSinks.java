package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.cluster.ClusterWriter;
import dev.redismigrate.common.cluster.NodeAddresses;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The one place where a worker's writer is chosen by what the target is: a standalone server
 * gets a {@link SocketEntryWriter} over one plain socket, a cluster node ({@code cluster_enabled:1}) a
 * {@link ClusterEntryWriter} that routes by slot to every master. The workers ask the target
 * itself rather than a flag in the request: what a server is cannot be out of date.
 */
public final class TargetSinks {
    private TargetSinks() {
    }

    /** Whether the server is a node of a Redis Cluster (INFO cluster). */
    public static boolean isCluster(RedisLink target) {
        return "1".equals(target.info("cluster").get("cluster_enabled"));
    }

    /**
     * A writer into the target.
     *
     * @param cluster what {@link #isCluster} said of the target
     * @param maxCommands, maxBytes the pipeline's bound (per connection; for a cluster, over all its nodes)
     */
    public static EntrySink open(RedisConnector connector, RedisEndpoint target, boolean cluster, String clientName,
            int maxCommands, long maxBytes, long replyTimeoutMillis) {
        return open(connector, target, cluster, clientName, maxCommands, maxBytes, replyTimeoutMillis, List.of());
    }

    /** The same, a cluster target also reached through {@code alsoKnown} ("host:port") while its seed does not answer. */
    public static EntrySink open(RedisConnector connector, RedisEndpoint target, boolean cluster, String clientName,
            int maxCommands, long maxBytes, long replyTimeoutMillis, List<String> alsoKnown) {
        if (cluster) {
            try {
                return new ClusterEntryWriter(new ClusterWriter(connector, new NodeAddresses(target, Map.of()), maxCommands,
                        maxBytes, Duration.ofMillis(replyTimeoutMillis), clientName, alsoKnown), target.address());
            } catch (dev.redismigrate.common.cluster.ClusterWriteException e) {
                // its topology could not be read from any node: a cluster that is not there now
                throw new TargetLostException("the cluster target " + target.address() + ": " + e.getMessage());
            }
        }
        return new SocketEntryWriter(connector.openSocket(target, clientName, replyTimeoutMillis), maxCommands, maxBytes);
    }

    /** A slot-routing writer whose seed is the node the user gave (no address translations: the API takes one node). */
    public static ClusterWriter clusterWriter(RedisConnector connector, RedisEndpoint seed, int maxCommands, long maxBytes,
            long replyTimeoutMillis, String clientName) {
        return new ClusterWriter(connector, new NodeAddresses(seed, Map.of()), maxCommands, maxBytes,
                Duration.ofMillis(replyTimeoutMillis), clientName);
    }
}

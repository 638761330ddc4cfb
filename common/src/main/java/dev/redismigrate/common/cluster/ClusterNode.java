package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisEndpoint;

/**
 * One node of a cluster as the cluster describes it.
 *
 * @param id the cluster's node id (40 hex characters)
 * @param host where this service connects to it (see {@link NodeAddresses}: not always what it announces)
 * @param port the same
 * @param announced what the cluster announces for it (host:port), for messages
 * @param master true for the shard's master
 * @param health {@code online}, {@code failed}, {@code loading}, or {@code unknown} (CLUSTER SLOTS says none)
 * @param replicationOffset the node's replication offset, -1 when unknown
 */
public record ClusterNode(String id, String host, int port, String announced, boolean master, String health,
        long replicationOffset) {

    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** How to reach this node: the seed's credentials and TLS, this node's address. */
    public RedisEndpoint endpoint(RedisEndpoint seed) {
        return new RedisEndpoint(host, port, seed.username(), seed.sealedPassword(), seed.tls());
    }

    /** "127.0.0.1:7001 (master, online, offset 1234)", the announced address too when it differs. */
    public String describe() {
        String seenAs = announced.equals(address()) ? "" : ", announced as " + announced;
        return address() + " (" + (master ? "master" : "replica") + ", " + health
                + (replicationOffset >= 0 ? ", offset " + replicationOffset : "") + seenAs + ")";
    }
}

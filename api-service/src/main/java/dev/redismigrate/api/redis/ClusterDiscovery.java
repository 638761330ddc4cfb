package dev.redismigrate.api.redis;

import dev.redismigrate.common.cluster.ClusterSurvey;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Map;

/**
 * What a cluster node told of its cluster, for the preflight's {@code cluster} check: the survey,
 * or why there is none (a node may refuse CLUSTER SHARDS and SLOTS to the user given).
 *
 * @param survey null when the discovery failed
 * @param error why it failed; null when it did not
 */
public record ClusterDiscovery(ClusterSurvey survey, String error) {

    static ClusterDiscovery of(RedisConnector connector, RedisEndpoint node) {
        try {
            // no address translations yet: the API takes one host and port
            return new ClusterDiscovery(ClusterSurvey.of(connector, node, Map.of(), "redis-migrate-api"), null);
        } catch (RedisAccessException | IllegalStateException | IllegalArgumentException e) {
            return new ClusterDiscovery(null, e.getMessage());
        }
    }

    /** For a user: the shards, slots and nodes found, or why the discovery failed. */
    public String describe() {
        return survey != null ? survey.describe() : "its shards could not be discovered: " + error;
    }
}

package dev.redismigrate.api.redis;

import dev.redismigrate.common.cluster.ClusterSurvey;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.redis.RedisLink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a cluster node told of its cluster, for the preflight's {@code cluster} check: the survey,
 * or why there is none (a node may refuse CLUSTER SHARDS and SLOTS to the user given).
 *
 * @param survey null when the discovery failed
 * @param error why it failed; null when it did not
 * @param shards each master's memory and slot count, for a cluster whose every slot is served and every
 *        node answered (empty otherwise, or when a master would not say)
 */
public record ClusterDiscovery(ClusterSurvey survey, String error, List<ShardMemory> shards) {

    /** One master: how many of the 16384 slots it serves, and its INFO memory. */
    public record ShardMemory(String master, int slots, RedisProbe.Memory memory) {
    }

    static ClusterDiscovery of(RedisConnector connector, RedisEndpoint node) {
        ClusterSurvey survey;
        try {
            // no address translations yet: the API takes one host and port
            survey = ClusterSurvey.of(connector, node, Map.of(), "redis-migrate-api");
        } catch (RedisAccessException | IllegalStateException | IllegalArgumentException e) {
            return new ClusterDiscovery(null, e.getMessage(), List.of());
        }
        return new ClusterDiscovery(survey, null, survey.complete() ? memory(connector, node, survey) : List.of());
    }

    /** INFO memory of every master: a cluster target's headroom is per shard (keys spread by slot). */
    private static List<ShardMemory> memory(RedisConnector connector, RedisEndpoint seed, ClusterSurvey survey) {
        List<ShardMemory> out = new ArrayList<>();
        for (ClusterShard shard : survey.topology().shards()) {
            try (RedisLink link = connector.open(shard.master().endpoint(seed), "redis-migrate-api")) {
                out.add(new ShardMemory(shard.master().address(), shard.slotCount(), RedisProbe.memory(link.info("memory"))));
            } catch (RedisAccessException e) {
                return List.of(); // reachable a moment ago: the check falls back to the node given
            }
        }
        return List.copyOf(out);
    }

    /** For a user: the shards, slots and nodes found, or why the discovery failed. */
    public String describe() {
        return survey != null ? survey.describe() : "its shards could not be discovered: " + error;
    }
}

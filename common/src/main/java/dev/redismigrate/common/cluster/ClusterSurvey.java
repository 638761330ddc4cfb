package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a migration must know of a cluster before it starts: its shards (from one node), the slots
 * no shard serves, and the nodes that cannot be reached with the seed's credentials (TLS too): a
 * migration connects to every master (target) or to one node of every shard (source).
 *
 * @param unreachable each node that refused or did not answer, with the reason
 */
public record ClusterSurvey(ClusterTopology topology, List<Unreachable> unreachable) {

    public record Unreachable(ClusterNode node, String reason) {
    }

    /** Discovers from {@code seed} and tries every node (one after the other: a cluster has few). */
    public static ClusterSurvey of(RedisConnector connector, RedisEndpoint seed, Map<String, String> translations,
            String clientName) {
        NodeAddresses addresses = new NodeAddresses(seed, translations);
        ClusterTopology topology;
        try (RedisLink link = connector.open(seed, clientName)) {
            topology = TopologyReader.read(link, addresses);
        }
        List<Unreachable> unreachable = new ArrayList<>();
        for (ClusterNode node : topology.nodes()) {
            try (RedisLink link = connector.open(node.endpoint(seed), clientName)) {
                link.call("PING");
            } catch (RedisAccessException e) {
                unreachable.add(new Unreachable(node, e.getMessage()));
            }
        }
        return new ClusterSurvey(topology, List.copyOf(unreachable));
    }

    /** All 16384 slots served and every node reachable. */
    public boolean complete() {
        return topology.uncovered().isEmpty() && unreachable.isEmpty();
    }

    /**
     * For a user: "3 shards (CLUSTER SHARDS): slots 0-5460: master ... ; all 16384 slots covered;
     * every node reachable with the credentials given".
     */
    public String describe() {
        List<ClusterShard> shards = topology.shards();
        String listed = shards.size() + " shard" + (shards.size() == 1 ? "" : "s") + " (" + topology.discoveredBy() + "): "
                + shards.stream().map(ClusterShard::describe).collect(Collectors.joining("; "));
        List<SlotRange> uncovered = topology.uncovered();
        String slots = uncovered.isEmpty() ? "all 16384 slots covered"
                : "slots not covered by any shard: " + uncovered.stream().map(SlotRange::toString)
                        .collect(Collectors.joining(",")) + " (" + uncovered.stream().mapToInt(SlotRange::size).sum()
                        + " of 16384)";
        String nodes = unreachable.isEmpty() ? "every node reachable with the credentials given"
                : "nodes unreachable with the credentials given: " + unreachable.stream()
                        .map(u -> u.node().address() + " (" + u.reason() + ")").collect(Collectors.joining(", "));
        return listed + "; " + slots + "; " + nodes;
    }
}

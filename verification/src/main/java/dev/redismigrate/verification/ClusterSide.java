package dev.redismigrate.verification;

import dev.redismigrate.common.cluster.ClusterNode;
import dev.redismigrate.common.cluster.ClusterTopology;
import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.NodeAddresses;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.cluster.TopologyReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A Redis Cluster as one side of a verification: each key is read on the master that owns its
 * slot (so a key held by the wrong node counts as missing, as a client would see it), the key
 * counts are the masters' sums, and the scan for extra keys walks every master in turn (its
 * cursor is "master index:cursor"). A cluster has db 0 only.
 */
final class ClusterSide extends Side {
    private final ClusterTopology topology;
    private final List<ClusterNode> masters;
    private final List<Side> nodes = new ArrayList<>();
    private final List<RedisLink> links = new ArrayList<>();
    private final Map<String, Integer> indexOf = new HashMap<>();

    /** @param seed a connection to the node the user gave (stays the caller's) */
    ClusterSide(String name, RedisLink seed, RedisEndpoint seedEndpoint, RedisConnector connector, long timeoutMs) {
        super(name, seed, timeoutMs);
        topology = TopologyReader.read(seed, new NodeAddresses(seedEndpoint, Map.of()));
        List<SlotRange> uncovered = topology.uncovered();
        if (!uncovered.isEmpty()) {
            throw new RedisAccessException("the " + name + " " + seedEndpoint.address() + " is a cluster whose slots "
                    + uncovered.stream().map(SlotRange::toString).collect(Collectors.joining(",")) + " no shard serves: "
                    + "its keys there cannot be read");
        }
        masters = topology.masters();
        try {
            for (ClusterNode master : masters) {
                RedisLink link = connector.open(master.endpoint(seedEndpoint), "redis-migrate-verify");
                links.add(link);
                indexOf.put(master.address(), nodes.size());
                nodes.add(new Side(name, link, timeoutMs));
            }
        } catch (RedisAccessException e) {
            close();
            throw new RedisAccessException("the " + name + " cluster's node cannot be read: " + e.getMessage());
        }
    }

    @Override
    boolean allowsDigestValue() {
        return nodes.stream().allMatch(Side::allowsDigestValue);
    }

    @Override
    void useDigestValue(boolean use, Set<String> byContent) {
        nodes.forEach(n -> n.useDigestValue(use, byContent));
    }

    @Override
    Map<Integer, Long> keysPerDb() {
        Map<Integer, Long> sum = new TreeMap<>();
        nodes.forEach(n -> n.keysPerDb().forEach((db, keys) -> sum.merge(db, keys, Long::sum)));
        return sum;
    }

    @Override
    void select(int db) {
        if (db != 0) {
            throw new RedisAccessException("the " + name + " " + address() + " is a cluster, which has db 0 only: db " + db
                    + " cannot be compared (leave it out with ignore_dbs)");
        }
    }

    @Override
    Page scan(String cursor, int count) {
        int node = 0;
        String at = cursor;
        int colon = cursor.indexOf(':');
        if (colon > 0) {
            node = Integer.parseInt(cursor.substring(0, colon));
            at = cursor.substring(colon + 1);
        }
        Page page = nodes.get(node).scan(at, count);
        if (!"0".equals(page.cursor())) {
            return new Page(node + ":" + page.cursor(), page.keys());
        }
        return new Page(node + 1 < nodes.size() ? (node + 1) + ":0" : "0", page.keys());
    }

    @Override
    List<byte[]> randomKeys(int n) {
        throw new UnsupportedOperationException("keys are sampled from the source");
    }

    @Override
    List<Object> exist(List<byte[]> keys) {
        return perNode(keys, Side::exist);
    }

    @Override
    List<KeyState> read(List<byte[]> keys) {
        return perNode(keys, Side::read);
    }

    /** Each key asked of the master owning its slot; the answers back in the keys' order. */
    private <T> List<T> perNode(List<byte[]> keys, java.util.function.BiFunction<Side, List<byte[]>, List<T>> ask) {
        List<List<Integer>> positions = new ArrayList<>();
        List<List<byte[]>> groups = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            positions.add(new ArrayList<>());
            groups.add(new ArrayList<>());
        }
        for (int i = 0; i < keys.size(); i++) {
            int node = indexOf.get(topology.masterOf(HashSlot.of(keys.get(i))).address());
            positions.get(node).add(i);
            groups.get(node).add(keys.get(i));
        }
        List<T> out = new ArrayList<>(java.util.Collections.nCopies(keys.size(), (T) null));
        for (int node = 0; node < nodes.size(); node++) {
            if (groups.get(node).isEmpty()) {
                continue;
            }
            List<T> answers = ask.apply(nodes.get(node), groups.get(node));
            for (int j = 0; j < answers.size(); j++) {
                out.set(positions.get(node).get(j), answers.get(j));
            }
        }
        return out;
    }

    void close() {
        links.forEach(RedisLink::close);
    }
}

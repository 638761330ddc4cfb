package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Discovers a cluster's shards from one node: {@code CLUSTER SHARDS} (Redis 7.0+, Valkey), which
 * lists every shard with its nodes' roles, health and replication offsets; else {@code CLUSTER SLOTS}
 * (older servers, or where SHARDS is refused by ACL or renamed), which lists slot ranges and their
 * nodes only (health and offsets unknown; Redis 7 leaves out replicas whose offset is still 0). Addresses are chosen by {@link NodeAddresses}.
 */
public final class TopologyReader {
    private TopologyReader() {
    }

    /** @param link connected to a node of the cluster, at {@code addresses.seed()} */
    public static ClusterTopology read(RedisLink link, NodeAddresses addresses) {
        String seedId = String.valueOf(link.call("CLUSTER", "MYID"));
        Object shards;
        try {
            shards = link.call("CLUSTER", "SHARDS");
        } catch (RedisAccessException e) {
            return fromSlots(link.call("CLUSTER", "SLOTS"), addresses, seedId);
        }
        return fromShards(shards, addresses, seedId);
    }

    static ClusterTopology fromShards(Object reply, NodeAddresses addresses, String seedId) {
        List<ClusterShard> shards = new ArrayList<>();
        for (Object s : list(reply)) {
            Map<String, Object> shard = fields(s);
            BitSet slots = new BitSet(HashSlot.SLOTS);
            List<Object> bounds = list(shard.get("slots"));
            for (int i = 0; i + 1 < bounds.size(); i += 2) {
                slots.set(number(bounds.get(i)), number(bounds.get(i + 1)) + 1);
            }
            ClusterNode master = null;
            List<ClusterNode> replicas = new ArrayList<>();
            for (Object n : list(shard.get("nodes"))) {
                Map<String, Object> node = fields(n);
                String id = text(node.get("id"));
                boolean isMaster = "master".equals(text(node.get("role")));
                int port = number(node.get("port"));
                if (addresses.seed().tls() && node.get("tls-port") != null) {
                    port = number(node.get("tls-port"));
                }
                NodeAddresses.Chosen at = addresses.choose(text(node.get("endpoint")), text(node.get("ip")), port,
                        id.equals(seedId));
                Object offset = node.get("replication-offset");
                ClusterNode cn = new ClusterNode(id, at.host(), at.port(), at.announced(), isMaster,
                        node.get("health") == null ? "unknown" : text(node.get("health")),
                        offset == null ? -1 : Long.parseLong(offset.toString()));
                if (isMaster && master == null) {
                    master = cn;
                } else {
                    replicas.add(cn);
                }
            }
            if (!slots.isEmpty()) {
                shards.add(new ClusterShard(SlotRange.of(slots), master, replicas));
            }
        }
        return new ClusterTopology(inSlotOrder(shards), "CLUSTER SHARDS");
    }

    /** Each entry: start, end, master [ip, port, id, ...], replicas...; ranges grouped by master id. */
    static ClusterTopology fromSlots(Object reply, NodeAddresses addresses, String seedId) {
        Map<String, BitSet> slotsOf = new LinkedHashMap<>();
        Map<String, ClusterNode> masterOf = new HashMap<>();
        Map<String, List<ClusterNode>> replicasOf = new HashMap<>();
        for (Object e : list(reply)) {
            List<Object> entry = list(e);
            ClusterNode master = slotsNode(list(entry.get(2)), true, addresses, seedId);
            slotsOf.computeIfAbsent(master.id(), k -> new BitSet(HashSlot.SLOTS))
                    .set(number(entry.get(0)), number(entry.get(1)) + 1);
            masterOf.putIfAbsent(master.id(), master);
            List<ClusterNode> replicas = new ArrayList<>();
            for (Object r : entry.subList(3, entry.size())) {
                replicas.add(slotsNode(list(r), false, addresses, seedId));
            }
            replicasOf.putIfAbsent(master.id(), replicas);
        }
        List<ClusterShard> shards = new ArrayList<>();
        slotsOf.forEach((id, slots) -> shards.add(new ClusterShard(SlotRange.of(slots), masterOf.get(id), replicasOf.get(id))));
        return new ClusterTopology(inSlotOrder(shards), "CLUSTER SLOTS");
    }

    /** The servers list shards in no stable order; by first slot reads best in messages. */
    private static List<ClusterShard> inSlotOrder(List<ClusterShard> shards) {
        return shards.stream().sorted(java.util.Comparator.comparingInt(s -> s.slots().get(0).from())).toList();
    }

    /** [ip, port, id] (id since Redis 4; with TLS on, the port is the TLS port). */
    private static ClusterNode slotsNode(List<Object> node, boolean master, NodeAddresses addresses, String seedId) {
        String id = node.size() > 2 ? text(node.get(2)) : text(node.get(0)) + ":" + text(node.get(1));
        NodeAddresses.Chosen at = addresses.choose(null, text(node.get(0)), number(node.get(1)), id.equals(seedId));
        return new ClusterNode(id, at.host(), at.port(), at.announced(), master, "unknown", -1);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw new IllegalStateException("unexpected cluster reply: " + o);
    }

    /** A flat [name, value, name, value...] list (RESP2) or a map (RESP3) as a map. */
    private static Map<String, Object> fields(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new HashMap<>();
            m.forEach((k, v) -> out.put(text(k), v));
            return out;
        }
        List<Object> l = list(o);
        Map<String, Object> out = new HashMap<>();
        for (int i = 0; i + 1 < l.size(); i += 2) {
            out.put(text(l.get(i)), l.get(i + 1));
        }
        return out;
    }

    private static String text(Object o) {
        return o == null ? null : o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : o.toString();
    }

    private static int number(Object o) {
        return Integer.parseInt(text(o));
    }
}

package dev.redismigrate.common.cluster;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Finds a cluster source shard's master again after its link was lost: a failover may have promoted
 * a replica. The shard is told by one of its slots (whoever serves that slot now is the shard), and
 * any node of the cluster known from the start (or from a later answer) is asked ({@code CLUSTER
 * SHARDS}, {@link TopologyReader}). A promoted replica keeps the old master's history as its
 * {@code replid2}, so the stream continues there with {@code PSYNC <old replid> <offset>}.
 */
public final class ShardMaster {
    private static final Logger LOG = Logger.getLogger(ShardMaster.class);

    private final RedisConnector connector;
    private final int slot;
    /** every node seen so far by address, the credentials of the seed */
    private final Map<String, RedisEndpoint> known = new LinkedHashMap<>();

    private ShardMaster(RedisConnector connector, int slot) {
        this.connector = connector;
        this.slot = slot;
    }

    /**
     * The shard whose master {@code master} is (reached over {@code link}), or null when {@code master}
     * serves no slot (a standalone source, or no longer a master).
     */
    public static ShardMaster of(RedisConnector connector, RedisLink link, RedisEndpoint master) {
        ClusterTopology topology = TopologyReader.read(link, new NodeAddresses(master, Map.of()));
        ClusterShard own = topology.shards().stream()
                .filter(s -> s.master() != null && s.master().address().equals(master.address())).findFirst().orElse(null);
        if (own == null) {
            return null;
        }
        ShardMaster finder = new ShardMaster(connector, own.slots().get(0).from());
        finder.remember(topology, master);
        return finder;
    }

    /**
     * Where a shard's stream starts: {@code named} (the master its request names) while it masters {@code slot} by
     * its own view; when it was demoted, the master its view names; when it is gone (a failover while the stream
     * was handed from one worker to another), the master another of {@code nodes} names. A master is taken only
     * when it answers and masters the slot by its own view (a dead old master may still be listed as the master
     * until the cluster has promoted its replica; node addresses may differ between views, node ids do not).
     * @return null while no such master is found (a failover not decided yet: ask again)
     */
    public static RedisEndpoint current(RedisConnector connector, RedisEndpoint named, List<RedisEndpoint> nodes, int slot) {
        try (RedisLink link = connector.open(named, "redis-migrate-topology")) {
            String myId = String.valueOf(link.call("CLUSTER", "MYID"));
            ClusterNode master = masterOf(TopologyReader.read(link, new NodeAddresses(named, Map.of())), slot);
            if (master == null || master.id().equals(myId)) {
                return named;
            }
            RedisEndpoint said = master.endpoint(named);
            if (mastersSlot(connector, said, slot)) {
                LOG.infof("the master of the shard serving slot %d is %s now, not %s as named", slot, said.address(), named.address());
                return said;
            }
        } catch (RedisAccessException | IllegalStateException e) {
            LOG.debugf("the shard's master %s named at the start does not answer: %s", named.address(), e.getMessage());
        }
        for (RedisEndpoint node : nodes) {
            if (node.address().equals(named.address())) {
                continue;
            }
            try (RedisLink link = connector.open(node, "redis-migrate-topology")) {
                ClusterNode master = masterOf(TopologyReader.read(link, new NodeAddresses(node, Map.of())), slot);
                RedisEndpoint candidate = master == null ? null : master.endpoint(node);
                if (candidate != null && mastersSlot(connector, candidate, slot)) {
                    LOG.infof("the master of the shard serving slot %d is %s now, not %s as named", slot, candidate.address(),
                            named.address());
                    return candidate;
                }
            } catch (RedisAccessException | IllegalStateException e) {
                LOG.debugf("asking %s for the master of slot %d: %s", node.address(), slot, e.getMessage());
            }
        }
        return null;
    }

    /** Whether {@code node} answers and masters {@code slot} by its own view. */
    private static boolean mastersSlot(RedisConnector connector, RedisEndpoint node, int slot) {
        try (RedisLink link = connector.open(node, "redis-migrate-topology")) {
            String myId = String.valueOf(link.call("CLUSTER", "MYID"));
            ClusterNode master = masterOf(TopologyReader.read(link, new NodeAddresses(node, Map.of())), slot);
            return master != null && master.id().equals(myId);
        } catch (RedisAccessException | IllegalStateException e) {
            return false;
        }
    }

    /**
     * The shard serving {@code slot}, as {@code node} (any node of the cluster, e.g. a replica of the shard,
     * reached over {@code link}) sees the cluster; null when no shard serves it.
     */
    public static ShardMaster ofSlot(RedisConnector connector, RedisLink link, RedisEndpoint node, int slot) {
        ClusterTopology topology = TopologyReader.read(link, new NodeAddresses(node, Map.of()));
        if (topology.shardOf(slot) == null) {
            return null;
        }
        ShardMaster finder = new ShardMaster(connector, slot);
        finder.remember(topology, node);
        return finder;
    }

    /** The slot that names the shard. */
    public int slot() {
        return slot;
    }

    /**
     * Asks the known nodes, {@code lost} last (it is likely the one gone), which node now masters the
     * shard's slot. @return it, or null when no node answered with one
     */
    public RedisEndpoint find(RedisEndpoint lost) {
        List<RedisEndpoint> ask = new ArrayList<>(known.values());
        ask.removeIf(e -> e.address().equals(lost.address()));
        ask.add(lost);
        for (RedisEndpoint node : ask) {
            try (RedisLink link = connector.open(node, "redis-migrate-topology")) {
                ClusterTopology topology = TopologyReader.read(link, new NodeAddresses(node, Map.of()));
                remember(topology, node);
                ClusterNode master = masterOf(topology, slot);
                if (master != null) {
                    return master.endpoint(lost);
                }
            } catch (RedisAccessException | IllegalStateException e) {
                LOG.debugf("asking %s for the master of slot %d: %s", node.address(), slot, e.getMessage());
            }
        }
        return null;
    }

    /**
     * The master serving {@code slot} by this node's view: a node that says it is master and is not
     * marked failed (a failed old master may still be listed beside the promoted replica), else the
     * listed master.
     */
    static ClusterNode masterOf(ClusterTopology topology, int slot) {
        ClusterShard shard = topology.shardOf(slot);
        if (shard == null) {
            return null;
        }
        return Stream.concat(Stream.ofNullable(shard.master()), shard.replicas().stream())
                .filter(n -> n.master() && !n.health().startsWith("fail")).findFirst().orElse(shard.master());
    }

    private void remember(ClusterTopology topology, RedisEndpoint credentials) {
        for (ClusterNode node : topology.nodes()) {
            known.putIfAbsent(node.address(), node.endpoint(credentials));
        }
    }
}

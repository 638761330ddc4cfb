package dev.redismigrate.stream.scan;

import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.cluster.ClusterTopology;
import dev.redismigrate.common.cluster.NodeAddresses;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.cluster.TopologyReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which server processes hold the target's data, told by their {@code run_id} (INFO server): the one
 * server of a standalone target, each shard's master of a cluster, the shard named by its slots. A
 * process that changed is a server restarted (without persistence: empty; with it: back at its last
 * save) or replaced by a failover (a replica, which may lack the last writes its master acknowledged).
 * The scan method's copies of changed keys keep no checkpoint in the target that would show what it
 * lost, so a changed process means copying everything again. Not thread-safe: one reader.
 */
final class TargetIdentity implements AutoCloseable {
    /** the name of a standalone target's one part */
    private static final String WHOLE = "";

    private final RedisConnector connector;
    private final RedisEndpoint target;
    private final boolean cluster;
    /** by address; reopened when broken */
    private final Map<String, RedisLink> links = new HashMap<>();

    TargetIdentity(RedisConnector connector, RedisEndpoint target, boolean cluster) {
        this.connector = connector;
        this.target = target;
        this.cluster = cluster;
    }

    /**
     * Each part's run_id now: the whole target's, or each shard's master's.
     * @throws RedisAccessException when a server does not answer (a restart under way: unknown for now)
     */
    Map<String, String> read() {
        if (!cluster) {
            return Map.of(WHOLE, runId(target));
        }
        ClusterTopology topology = TopologyReader.read(link(target), new NodeAddresses(target, Map.of()));
        Map<String, String> ids = new LinkedHashMap<>();
        for (ClusterShard shard : topology.shards()) {
            if (shard.master() != null && !shard.slots().isEmpty()) {
                ids.put("shard of slots " + shard.slots().stream().map(SlotRange::toString).collect(Collectors.joining(",")),
                        runId(shard.master().endpoint(target)));
            }
        }
        return ids;
    }

    /**
     * Why the target may have lost data between two {@link #read}s (null: the same processes hold it).
     * A part not read the second time (its slots served otherwise) is not judged.
     */
    String changed(Map<String, String> before, Map<String, String> now) {
        for (Map.Entry<String, String> was : before.entrySet()) {
            String is = now.get(was.getKey());
            if (is != null && !is.equals(was.getValue())) {
                return "the target " + target.address() + (was.getKey().equals(WHOLE) ? "" : "'s " + was.getKey())
                        + " is served by another server process than when the changed keys began to be copied (run_id "
                        + abbreviated(was.getValue()) + " → " + abbreviated(is) + "): restarted or failed over, it may have"
                        + " lost keys it had taken (the changed-key copies leave no checkpoint there to tell which)";
            }
        }
        return null;
    }

    private String runId(RedisEndpoint node) {
        String id = link(node).serverInfo().get("run_id");
        if (id == null) {
            throw new RedisAccessException(node.address() + " did not say its run_id (INFO server)");
        }
        return id;
    }

    private RedisLink link(RedisEndpoint node) {
        RedisLink link = links.get(node.address());
        if (link != null && !link.isOpen()) {
            links.remove(node.address());
            link.close();
            link = null;
        }
        if (link == null) {
            link = connector.open(node, "redis-migrate-changes-identity");
            links.put(node.address(), link);
        }
        return link;
    }

    private static String abbreviated(String runId) {
        return runId.length() > 8 ? runId.substring(0, 8) + "…" : runId;
    }

    @Override
    public void close() {
        links.values().forEach(RedisLink::close);
        links.clear();
    }
}

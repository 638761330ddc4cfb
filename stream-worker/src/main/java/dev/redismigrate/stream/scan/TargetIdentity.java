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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Which server processes hold the target's data, told by their {@code run_id} (INFO server): the one
 * server of a standalone target, each shard's master of a cluster, the shard named by its slots. A
 * process that changed is a server restarted (without persistence: empty; with it: back at its last
 * save) or replaced by a failover (a replica, which may lack the last writes its master acknowledged).
 * The scan method's copies of changed keys keep no checkpoint in the target that would show what it
 * lost, so a changed process means copying everything again. A server that names no run_id is not
 * watched. One reader at a time (a timer); closed by the task, even while a read waits for a hung node.
 */
final class TargetIdentity implements AutoCloseable {
    /** the name of a standalone target's one part */
    private static final String WHOLE = "";

    private final RedisConnector connector;
    private final RedisEndpoint target;
    private final boolean cluster;
    /** by address; reopened when broken */
    private final Map<String, RedisLink> links = new ConcurrentHashMap<>();
    /** the masters of the last topology read: asked for it when the target's own node does not answer */
    private List<RedisEndpoint> knownMasters = List.of();
    private volatile boolean closed;

    TargetIdentity(RedisConnector connector, RedisEndpoint target, boolean cluster) {
        this.connector = connector;
        this.target = target;
        this.cluster = cluster;
    }

    /**
     * Each part's run_id now: the whole target's, or each shard's master's.
     * @throws RedisAccessException when a server does not answer (a restart under way: unknown for now)
     */
    synchronized Map<String, String> read() {
        Map<String, String> ids = new LinkedHashMap<>();
        if (!cluster) {
            put(ids, WHOLE, target);
            return ids;
        }
        ClusterTopology topology = topology();
        List<RedisEndpoint> masters = new ArrayList<>();
        for (ClusterShard shard : topology.shards()) {
            if (shard.master() != null && !shard.slots().isEmpty()) {
                RedisEndpoint master = shard.master().endpoint(target);
                masters.add(master);
                put(ids, "shard of slots " + shard.slots().stream().map(SlotRange::toString).collect(Collectors.joining(",")),
                        master);
            }
        }
        knownMasters = masters;
        return ids;
    }

    /** From the target's own node, else (it died, a replica took over) from any master seen last time. */
    private ClusterTopology topology() {
        NodeAddresses addresses = new NodeAddresses(target, Map.of());
        RedisAccessException failure;
        try {
            return TopologyReader.read(link(target), addresses);
        } catch (RedisAccessException e) {
            failure = e;
        }
        for (RedisEndpoint master : knownMasters) {
            try {
                return TopologyReader.read(link(master), addresses);
            } catch (RedisAccessException e) {
                failure.addSuppressed(e);
            }
        }
        throw failure;
    }

    private void put(Map<String, String> ids, String part, RedisEndpoint node) {
        String id = link(node).serverInfo().get("run_id");
        if (id != null && !id.isEmpty()) {
            ids.put(part, id);
        }
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
                        + " is served by another server process than when the capture of changed keys began (run_id "
                        + abbreviated(was.getValue()) + " then, " + abbreviated(is) + " now): restarted or failed over, it may have"
                        + " lost keys it had taken (the changed-key copies leave no checkpoint there to tell which)";
            }
        }
        return null;
    }

    private RedisLink link(RedisEndpoint node) {
        if (closed) {
            throw new RedisAccessException("closed: the task has ended");
        }
        RedisLink link = links.get(node.address());
        if (link != null && !link.isOpen()) {
            links.remove(node.address());
            link.close();
            link = null;
        }
        if (link == null) {
            link = connector.open(node, "redis-migrate-changes-identity");
            links.put(node.address(), link);
            if (closed) { // closed meanwhile: close() may not have seen it
                links.remove(node.address());
                link.close();
                throw new RedisAccessException("closed: the task has ended");
            }
        }
        return link;
    }

    private static String abbreviated(String runId) {
        return runId.length() > 8 ? runId.substring(0, 8) : runId;
    }

    @Override
    public void close() {
        closed = true; // a read waiting for a node's reply fails as its link closes
        links.values().forEach(RedisLink::close);
        links.clear();
    }
}

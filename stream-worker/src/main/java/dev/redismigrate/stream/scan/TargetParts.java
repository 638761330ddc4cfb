package dev.redismigrate.stream.scan;

import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.cluster.ClusterTopology;
import dev.redismigrate.common.cluster.NodeAddresses;
import dev.redismigrate.common.cluster.TopologyReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.stream.IdleTargetWatch;
import dev.redismigrate.stream.PartKeyspaces;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The parts of the target that lose data on their own: the one server of a standalone target, each
 * shard of a cluster (its master's, the shard named by its slots, which a failover does not change).
 * Per part, which server process serves it ({@code run_id} of INFO server) and what it holds (INFO
 * keyspace). A process that changed is a server restarted (without persistence: empty; with it: back
 * at its last save) or replaced by a failover (a replica, which may lack the last writes its master
 * acknowledged): the scan method's copies of changed keys keep no checkpoint in the target that would
 * show what it lost. A server that names no run_id is not watched. One reader at a time (a timer);
 * closed by the task, even while a read waits for a hung node.
 */
final class TargetParts implements AutoCloseable {
    /** a read of all parts' keyspaces waits at most this (a live server answers in milliseconds; the watch ticks each second) */
    private static final Duration READ_WAIT = Duration.ofSeconds(5);
    private final RedisConnector connector;
    private final RedisEndpoint target;
    private final boolean cluster;
    /** by address; reopened when broken */
    private final Map<String, RedisLink> links = new ConcurrentHashMap<>();
    /** the masters of the last topology read: asked for it when the target's own node does not answer */
    private List<RedisEndpoint> knownMasters = List.of();
    private volatile boolean closed;

    TargetParts(RedisConnector connector, RedisEndpoint target, boolean cluster) {
        this.connector = connector;
        this.target = target;
        this.cluster = cluster;
    }

    /**
     * Each part's run_id now.
     * @throws RedisAccessException when a server does not answer (a restart under way: unknown for now)
     */
    synchronized Map<String, String> processes() {
        Map<String, String> ids = new LinkedHashMap<>();
        parts().forEach((part, node) -> {
            String id = link(node).serverInfo().get("run_id");
            if (id != null && !id.isEmpty()) {
                ids.put(part, id);
            }
        });
        return ids;
    }

    /**
     * Each part's INFO keyspace now ({@link PartKeyspaces}); a part that does not answer is left out, not
     * judged now (a restart under way shows in {@link #processes}).
     */
    synchronized Map<String, Map<String, String>> keyspaces() {
        Map<String, RedisLink> reachable = new LinkedHashMap<>();
        parts().forEach((part, node) -> {
            try {
                reachable.put(part, link(node));
            } catch (RedisAccessException e) {
                // not read now
            }
        });
        return PartKeyspaces.read(reachable, READ_WAIT).keyspaces();
    }

    /**
     * Why the target may have lost data between two {@link #processes} (null: the same processes serve it).
     * A part not read the second time (its slots served otherwise) is not judged.
     */
    String changed(Map<String, String> before, Map<String, String> now) {
        for (Map.Entry<String, String> was : before.entrySet()) {
            String is = now.get(was.getKey());
            if (is != null && !is.equals(was.getValue())) {
                return "the target " + target.address() + (was.getKey().equals(IdleTargetWatch.WHOLE) ? "" : "'s " + was.getKey())
                        + " is served by another server process than when the capture of changed keys began (run_id "
                        + abbreviated(was.getValue()) + " then, " + abbreviated(is) + " now): restarted or failed over, it may have"
                        + " lost keys it had taken (the changed-key copies leave no checkpoint there to tell which)";
            }
        }
        return null;
    }

    /** Part name → the node serving it. */
    private Map<String, RedisEndpoint> parts() {
        if (!cluster) {
            return Map.of(IdleTargetWatch.WHOLE, target);
        }
        Map<String, RedisEndpoint> parts = new LinkedHashMap<>();
        List<RedisEndpoint> masters = new ArrayList<>();
        for (ClusterShard shard : topology().shards()) {
            if (shard.master() != null && !shard.slots().isEmpty()) {
                RedisEndpoint master = shard.master().endpoint(target);
                masters.add(master);
                parts.put(IdleTargetWatch.part(shard), master);
            }
        }
        knownMasters = masters;
        return parts;
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
                // the node that answers is reached where it answered, not at the seed's address
                return TopologyReader.read(link(master), addresses.answeredAt(master.address()));
            } catch (RedisAccessException e) {
                failure.addSuppressed(e);
            }
        }
        throw failure;
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
            link = connector.open(node, "redis-migrate-changes-watch");
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

package dev.redismigrate.common.value;

import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.cluster.ClusterNode;
import dev.redismigrate.common.cluster.ClusterTopology;
import dev.redismigrate.common.cluster.NodeAddresses;
import dev.redismigrate.common.cluster.TopologyReader;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The dbs a migration copies: those of a server's keyspace that the user did not leave out; and
 * emptying them on a target before a new attempt copies again.
 */
public final class MigratedDbs {
    private MigratedDbs() {
    }

    /** Dbs of the server that hold keys now and are migrated, in order. */
    public static List<Integer> withKeys(RedisLink server, Set<Integer> ignoreDbs) {
        return Keyspace.keysPerDb(server.info("keyspace")).keySet().stream().filter(db -> !ignoreDbs.contains(db)).toList();
    }

    /**
     * A new attempt starts from an empty target: keys copied by the earlier attempt may since have
     * been deleted on the source, and a copy only adds.
     */
    public static void empty(RedisLink target, Set<Integer> ignoreDbs) {
        for (int db : withKeys(target, ignoreDbs)) {
            target.call("SELECT", db);
            target.call("FLUSHDB");
        }
        target.call("SELECT", 0);
    }

    /**
     * The same for one part of a split scan: only the keys that hash to this part are deleted. The
     * parts start at different moments, and a FLUSHDB by a later one would wipe what an earlier one
     * had already copied (lost for good: the change capture copies only keys changed meanwhile).
     */
    public static void emptyShare(RedisLink target, Set<Integer> ignoreDbs, int partIndex, int partCount, Duration timeout) {
        if (partCount <= 1) {
            empty(target, ignoreDbs);
            return;
        }
        byte[][] scan = {Replies.ascii("SCAN"), null, Replies.ascii("COUNT"), Replies.ascii("1000")};
        for (int db : withKeys(target, ignoreDbs)) {
            target.call("SELECT", db);
            String cursor = "0";
            do {
                scan[1] = Replies.ascii(cursor);
                List<?> reply = (List<?>) await(target.send(scan), target, timeout);
                cursor = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                List<byte[]> mine = new ArrayList<>();
                mine.add(Replies.ascii("UNLINK"));
                for (Object key : (List<?>) reply.get(1)) {
                    if (ScanParts.partOf((byte[]) key, partCount) == partIndex) {
                        mine.add((byte[]) key);
                    }
                }
                if (mine.size() > 1) {
                    await(target.send(mine.toArray(byte[][]::new)), target, timeout);
                }
            } while (!cursor.equals("0"));
        }
        target.call("SELECT", 0);
    }

    /**
     * The same for a cluster target, which has db 0 only and whose keys are spread over its masters:
     * each master is emptied ({@code FLUSHDB}), or for a part of a split scan, its share of each
     * master's keys is unlinked one key at a time (a cluster refuses a multi-key UNLINK across slots).
     */
    public static void emptyCluster(RedisConnector connector, RedisEndpoint seed, Set<Integer> ignoreDbs, int partIndex,
            int partCount, Duration timeout) {
        if (ignoreDbs.contains(0)) {
            return;
        }
        ClusterTopology topology;
        try (RedisLink link = connector.open(seed, "redis-migrate-empty")) {
            topology = TopologyReader.read(link, new NodeAddresses(seed, Map.of()));
        }
        for (ClusterNode master : topology.masters()) {
            try (RedisLink node = connector.open(master.endpoint(seed), "redis-migrate-empty")) {
                if (partCount <= 1) {
                    node.call("FLUSHDB");
                    continue;
                }
                byte[][] scan = {Replies.ascii("SCAN"), null, Replies.ascii("COUNT"), Replies.ascii("1000")};
                String cursor = "0";
                do {
                    scan[1] = Replies.ascii(cursor);
                    List<?> reply = (List<?>) await(node.send(scan), node, timeout);
                    cursor = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                    List<CompletableFuture<Object>> unlinked = new ArrayList<>();
                    for (Object key : (List<?>) reply.get(1)) {
                        if (ScanParts.partOf((byte[]) key, partCount) == partIndex) {
                            unlinked.add(node.queue(new byte[][] {Replies.ascii("UNLINK"), (byte[]) key}));
                        }
                    }
                    node.sendQueued();
                    unlinked.forEach(r -> await(r, node, timeout));
                } while (!cursor.equals("0"));
            }
        }
    }

    private static Object await(CompletableFuture<Object> reply, RedisLink target, Duration timeout) {
        return Replies.await(target, reply, timeout, "emptying");
    }
}

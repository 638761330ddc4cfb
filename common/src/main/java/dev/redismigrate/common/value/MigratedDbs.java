package dev.redismigrate.common.value;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.redis.KeyDeleter;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.cluster.ClusterNode;
import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.cluster.ClusterTopology;
import dev.redismigrate.common.cluster.NodeAddresses;
import dev.redismigrate.common.cluster.TopologyReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.selection.MigratedKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The dbs a migration copies: those of a server's keyspace that the user did not leave out; and
 * emptying what a migration owns on a target before a new attempt copies again.
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
     * been deleted on the source, and a copy only adds. Emptied are the target dbs migrated dbs go into
     * ({@code db_map}); with key filters only the keys they select (the others are not the migration's).
     */
    public static void empty(RedisLink target, MigratedKeys keys, Duration timeout) {
        emptyShare(target, keys, 0, 1, timeout);
    }

    /**
     * The same for one part of a split scan: only the keys that hash to this part are deleted. The
     * parts start at different moments, and a FLUSHDB by a later one would wipe what an earlier one
     * had already copied (lost for good: the change capture copies only keys changed meanwhile).
     */
    public static void emptyShare(RedisLink target, MigratedKeys keys, int partIndex, int partCount, Duration timeout) {
        List<Integer> dbs = Keyspace.keysPerDb(target.info("keyspace")).keySet().stream().filter(keys::receives).toList();
        if (partCount <= 1 && !keys.filtersKeys()) {
            for (int db : dbs) {
                target.call("SELECT", db);
                target.call("FLUSHDB");
            }
            target.call("SELECT", 0);
            return;
        }
        for (int db : dbs) {
            target.call("SELECT", db);
            unlinkWhere(target, key -> keys.selects(key) && (partCount <= 1 || ScanParts.partOf(key, partCount) == partIndex),
                    timeout);
        }
        target.call("SELECT", 0);
    }

    /**
     * The same for one source shard of a cluster source: only the keys of its slots are deleted (the
     * other shards copy or stream side by side into the same target), and never another shard's
     * checkpoint (its stream would take the target for one that lost its data); this shard's own
     * checkpoints go, as a new copy starts from a new offset.
     */
    public static void emptySlots(RedisLink target, MigratedKeys keys, BitSet slots, UUID migrationId, int shard,
            Duration timeout) {
        for (int db : Keyspace.keysPerDb(target.info("keyspace")).keySet().stream().filter(keys::receives).toList()) {
            target.call("SELECT", db);
            unlinkWhere(target, ofShard(keys, slots, migrationId, shard), timeout);
        }
        target.call("SELECT", 0);
    }

    /**
     * The same for a cluster target, which has db 0 only and whose keys are spread over its masters:
     * each master is emptied ({@code FLUSHDB}); for a part of a split scan, or a shard of a cluster
     * source ({@code slots} not null), only its keys, one UNLINK each (a cluster refuses a multi-key
     * UNLINK across slots); a shard's found by {@code CLUSTER GETKEYSINSLOT} for its slots ({@link KeyDeleter}).
     * The topology is read from the seed, else from the first of {@code alsoKnown} ("host:port", the nodes a
     * writer last knew: {@code ClusterWriter.knownNodes}) that answers: a new copy round may follow the seed's death.
     */
    public static void emptyCluster(RedisConnector connector, RedisEndpoint seed, List<String> alsoKnown, MigratedKeys keys,
            int partIndex, int partCount, BitSet slots, UUID migrationId, Integer shard, Duration timeout) {
        if (!keys.receives(0)) {
            return;
        }
        ClusterTopology topology = topology(connector, seed, alsoKnown);
        for (ClusterShard served : topology.shards()) {
            ClusterNode master = served.master();
            if (master == null) {
                continue;
            }
            try (RedisLink node = connector.open(master.endpoint(seed), "redis-migrate-empty")) {
                if (slots != null) {
                    KeyDeleter.bySlots(unlinking(node, timeout), served.slotsAmong(slots), ofShard(keys, slots, migrationId, shard));
                    // the shard's keys and slot checkpoints lie in its slots; its one checkpoint key may lie elsewhere
                    byte[] checkpoint = Replies.ascii(ShardNames.checkpointKey(migrationId, shard));
                    int checkpointSlot = HashSlot.of(checkpoint);
                    if (served.slots().stream().anyMatch(r -> r.contains(checkpointSlot))) {
                        await(node.send(new byte[][] {Replies.ascii("UNLINK"), checkpoint}), node, timeout);
                    }
                } else if (partCount > 1 || keys.filtersKeys()) {
                    unlinkWhere(node, key -> keys.selects(key) && (partCount <= 1 || ScanParts.partOf(key, partCount) == partIndex),
                            timeout);
                } else {
                    node.call("FLUSHDB");
                }
            }
        }
    }

    /** The cluster's topology from the first of the seed and {@code alsoKnown} that answers (each reached where it answered). */
    private static ClusterTopology topology(RedisConnector connector, RedisEndpoint seed, List<String> alsoKnown) {
        NodeAddresses addresses = new NodeAddresses(seed, Map.of());
        List<String> tried = new ArrayList<>();
        for (String address : candidates(seed, alsoKnown)) {
            NodeAddresses at = addresses.answeredAt(address);
            try (RedisLink link = connector.open(at.seed(), "redis-migrate-empty")) {
                return TopologyReader.read(link, at);
            } catch (RedisAccessException | IllegalStateException e) { // IllegalStateException: an answer TopologyReader cannot read
                tried.add(e.getMessage());
            }
        }
        throw new RedisAccessException("the cluster target's topology cannot be read: " + String.join("; ", tried));
    }

    private static List<String> candidates(RedisEndpoint seed, List<String> alsoKnown) {
        List<String> candidates = new ArrayList<>();
        candidates.add(seed.address());
        alsoKnown.stream().filter(a -> !candidates.contains(a)).forEach(candidates::add);
        return candidates;
    }

    /** A source shard's keys on the target: the selected ones of its slots, and its own checkpoints. */
    private static Predicate<byte[]> ofShard(MigratedKeys keys, BitSet slots, UUID migrationId, Integer shard) {
        byte[] checkpoints = Replies.ascii(ShardNames.CHECKPOINT_KEY_PREFIX);
        return key -> {
            if (startsWith(key, checkpoints)) {
                return ShardNames.isCheckpointOf(migrationId, shard, new String(key, StandardCharsets.ISO_8859_1));
            }
            return slots.get(HashSlot.of(key)) && keys.selects(key);
        };
    }

    /** SCANs the selected db of {@code node} and unlinks the keys {@code doomed} picks, pipelined. */
    private static void unlinkWhere(RedisLink node, Predicate<byte[]> doomed, Duration timeout) {
        KeyDeleter.byScan(unlinking(node, timeout), doomed);
    }

    /** {@code node} for {@link KeyDeleter}: its keys deleted by {@code UNLINK}, one each (a cluster refuses one across slots). */
    private static KeyDeleter.Server unlinking(RedisLink node, Duration timeout) {
        return new KeyDeleter.Server() {
            @Override
            public List<Object> call(List<byte[][]> commands) {
                List<CompletableFuture<Object>> replies = new ArrayList<>();
                commands.forEach(command -> replies.add(node.queue(command)));
                node.sendQueued();
                return replies.stream().map(reply -> await(reply, node, timeout)).toList();
            }

            @Override
            public void delete(List<byte[]> keys) {
                call(keys.stream().map(key -> new byte[][] {Replies.ascii("UNLINK"), key}).toList());
            }
        };
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static Object await(CompletableFuture<Object> reply, RedisLink target, Duration timeout) {
        return Replies.await(target, reply, timeout, "emptying");
    }
}

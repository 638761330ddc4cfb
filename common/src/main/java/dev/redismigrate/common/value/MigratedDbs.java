package dev.redismigrate.common.value;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
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
     * The same for one source shard of a cluster source: only the keys of its slots are deleted (the
     * other shards copy or stream side by side into the same target), and never another shard's
     * checkpoint (its stream would take the target for one that lost its data); this shard's own
     * checkpoint goes, as a new copy starts from a new offset.
     */
    public static void emptySlots(RedisLink target, Set<Integer> ignoreDbs, BitSet slots, byte[] ownCheckpoint,
            Duration timeout) {
        byte[][] scan = {Replies.ascii("SCAN"), null, Replies.ascii("COUNT"), Replies.ascii("1000")};
        byte[] checkpoints = Replies.ascii(ShardNames.CHECKPOINT_KEY_PREFIX);
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
                    byte[] k = (byte[]) key;
                    if (slots.get(HashSlot.of(k)) && !startsWith(k, checkpoints)) {
                        mine.add(k);
                    }
                }
                if (mine.size() > 1) {
                    await(target.send(mine.toArray(byte[][]::new)), target, timeout);
                }
            } while (!cursor.equals("0"));
            await(target.send(new byte[][] {Replies.ascii("DEL"), ownCheckpoint}), target, timeout);
        }
        target.call("SELECT", 0);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static Object await(CompletableFuture<Object> reply, RedisLink target, Duration timeout) {
        return Replies.await(target, reply, timeout, "emptying");
    }
}

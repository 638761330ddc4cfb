package dev.redismigrate.common.value;

import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.selection.MigratedKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
        Predicate<byte[]> ours = key -> keys.selects(key) && (partCount <= 1 || ScanParts.partOf(key, partCount) == partIndex);
        byte[][] scan = {Replies.ascii("SCAN"), null, Replies.ascii("COUNT"), Replies.ascii("1000")};
        for (int db : dbs) {
            target.call("SELECT", db);
            String cursor = "0";
            do {
                scan[1] = Replies.ascii(cursor);
                List<?> reply = (List<?>) await(target.send(scan), target, timeout);
                cursor = new String((byte[]) reply.get(0), StandardCharsets.US_ASCII);
                List<byte[]> mine = new ArrayList<>();
                mine.add(Replies.ascii("UNLINK"));
                for (Object key : (List<?>) reply.get(1)) {
                    if (ours.test((byte[]) key)) {
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

    private static Object await(CompletableFuture<Object> reply, RedisLink target, Duration timeout) {
        return Replies.await(target, reply, timeout, "emptying");
    }
}

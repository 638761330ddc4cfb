package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisLink;
import java.util.List;
import java.util.Set;

/** The dbs a migration copies: those of a server's keyspace that the user did not leave out. */
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
}

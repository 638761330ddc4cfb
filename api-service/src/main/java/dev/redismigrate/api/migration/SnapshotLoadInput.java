package dev.redismigrate.api.migration;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.redis.RedisProbe;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotLoad;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.selection.KeySelection;
import java.util.Set;

/**
 * {@code snapshot_load} of a start: {@code restore} (absent) or {@code replica}, where the target
 * loads the source's RDB itself. A replica's load takes the RDB whole, so it goes with what takes
 * every key as it is and nothing else: the replication method, no ignore_dbs, no key filters, no
 * db map, a standalone source and target. Everything else is refused here, naming the field, rather
 * than silently copied another way.
 */
public final class SnapshotLoadInput {
    private SnapshotLoadInput() {
    }

    /** 400 for an unknown value or a combination a replica's load cannot honour. */
    static SnapshotLoad read(String text, MigrationMethod asked, Set<Integer> ignoreDbs, KeySelection selection) {
        if (text == null) {
            return null;
        }
        SnapshotLoad load = SnapshotLoad.parse(text).orElseThrow(() -> ApiException.badRequest(
                "snapshot_load must be \"restore\" or \"replica\" (or left out: restore)"));
        if (load != SnapshotLoad.REPLICA) {
            return load;
        }
        if (asked == MigrationMethod.SCAN) {
            throw ApiException.badRequest("snapshot_load replica loads the source's RDB: it needs method replication, not scan");
        }
        if (!ignoreDbs.isEmpty()) {
            throw ApiException.badRequest("snapshot_load replica loads every db of the source: ignore_dbs must be empty");
        }
        if (!selection.equals(KeySelection.ALL)) {
            throw ApiException.badRequest("snapshot_load replica loads every key as it is: include_keys, exclude_keys "
                    + "and db_map cannot go with it");
        }
        return load;
    }

    /**
     * 422 when the servers cannot do it: a replica's load has one standalone source and one standalone
     * target reached without TLS (the RDB would cross from the worker to it in plaintext), with every
     * db of the source that holds keys (a replica that loads a db it lacks exits).
     */
    public static void requireFits(SnapshotLoad load, RedisProbe.Facts sourceFacts, RedisProbe.Facts targetFacts,
            boolean targetTls) {
        if (load != SnapshotLoad.REPLICA) {
            return;
        }
        if (sourceFacts.cluster()) {
            throw ApiException.unprocessable("snapshot_load replica needs a standalone source; this source is a Redis "
                    + "Cluster: use snapshot_load restore");
        }
        if (targetFacts.cluster()) {
            throw ApiException.unprocessable("snapshot_load replica needs a standalone target; this target is a Redis "
                    + "Cluster: use snapshot_load restore");
        }
        if (targetTls) {
            throw ApiException.unprocessable("snapshot_load replica would send the RDB from the worker to the target in "
                    + "plaintext, and the target is reached by TLS: use snapshot_load restore");
        }
        int beyond = Keyspace.firstDbBeyond(sourceFacts.keysPerDb(), targetFacts.databases());
        if (beyond >= 0) {
            throw ApiException.unprocessable("snapshot_load replica loads every db: the source has keys in db" + beyond
                    + " and the target only " + targetFacts.databases() + " dbs; use snapshot_load restore with db_map");
        }
    }
}

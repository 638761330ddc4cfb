package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import java.util.Set;
import java.util.UUID;

/**
 * Copy everything of {@code source} (but the ignored dbs) into {@code target}, by {@code method}
 * (absent: replication). A scan may be split: part {@code part} of {@code parts} copies only the keys
 * {@link ScanParts#partOf} assigns to it (both absent: the whole).
 */
public record SnapshotRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs,
        @JsonProperty("method") MigrationMethod method,
        @JsonProperty("part") Integer part,
        @JsonProperty("parts") Integer parts,
        /** the source shard of a cluster source (its node is {@code source}); absent: a standalone source */
        @JsonProperty("shard") Integer shard,
        /** a source shard's slots ("0-5460,6000"): a new copy of the shard empties only these on the target */
        @JsonProperty("slots") String slots,
        /** key filters and db map (absent: every key, each db into its own number) */
        @JsonProperty("selection") KeySelection selection,
        /** replication: how the RDB gets into the target (absent: restore, key by key) */
        @JsonProperty("snapshot_load") SnapshotLoad load) implements WorkerCommand {

    @Override
    public String topic() {
        return Topics.SNAPSHOT_REQUESTS;
    }

    /** The parts of a split scan, and a cluster's shards, have keys of their own, so that they spread over the snapshot workers. */
    @Override
    public String key() {
        return part != null ? migrationId + "/" + part : ShardNames.recordKey(migrationId, shard);
    }

    /** A copy restored key by key. */
    public SnapshotRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs,
            MigrationMethod method, Integer part, Integer parts, Integer shard, String slots, KeySelection selection) {
        this(migrationId, attempt, source, target, ignoreDbs, method, part, parts, shard, slots, selection, null);
    }

    /** A copy by replication. */
    public SnapshotRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs) {
        this(migrationId, attempt, source, target, ignoreDbs, MigrationMethod.REPLICATION, null, null, null, null, null);
    }

    /** A copy of every key but the ignored dbs', each db into its own number. */
    public SnapshotRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs,
            MigrationMethod method, Integer part, Integer parts) {
        this(migrationId, attempt, source, target, ignoreDbs, method, part, parts, null, null, null);
    }

    /** Which keys go where. */
    @JsonIgnore
    public MigratedKeys migratedKeys() {
        return new MigratedKeys(ignoreDbs, selection);
    }

    /** Which part this is (0 for the whole). */
    @JsonIgnore
    public int partIndex() {
        return part == null ? 0 : part;
    }

    /** Of how many parts (1 for the whole). */
    @JsonIgnore
    public int partCount() {
        return parts == null ? 1 : parts;
    }

    /** The target loads the RDB itself, as a replica of the worker ({@link SnapshotLoad#REPLICA}). */
    @JsonIgnore
    public boolean loadsAsReplica() {
        return !byScan() && SnapshotLoad.orDefault(load) == SnapshotLoad.REPLICA;
    }

    @JsonIgnore
    public boolean byScan() {
        return MigrationMethod.orDefault(method) == MigrationMethod.SCAN;
    }
}

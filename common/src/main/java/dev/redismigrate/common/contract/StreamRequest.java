package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Replay the source's writes into the target until stopped. Replication (the default when
 * {@code method} is absent): from {@code from} on. Scan: capture changed keys from now on (before the
 * scan starts; {@code from} is null) and re-copy them once the scan has completed.
 */
public record StreamRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs,
        @JsonProperty("from") ReplicationOffset from,
        @JsonProperty("method") MigrationMethod method,
        /** scan: in how many parts the scan runs, each ending with its own mark (absent: 1) */
        @JsonProperty("scan_parts") Integer scanParts,
        /** the source shard of a cluster source (its master is {@code source}); absent: a standalone source */
        @JsonProperty("shard") Integer shard,
        /** key filters and db map (absent: every key, each db into its own number) */
        @JsonProperty("selection") KeySelection selection,
        /** a source shard's slots when the migration began ("0-5460,6000"): the stream ends in error when they move */
        @JsonProperty("slots") String slots,
        /**
         * a source shard's: the cluster's nodes as last known (every shard's master), asked for the shard's master
         * when {@code source} is gone at the start (a failover while the stream was handed over); absent: none
         */
        @JsonProperty("cluster_nodes") List<RedisEndpoint> clusterNodes) implements WorkerCommand {

    /** Without other nodes to ask (a standalone source, or an older api-service's request). */
    public StreamRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs,
            ReplicationOffset from, MigrationMethod method, Integer scanParts, Integer shard, KeySelection selection,
            String slots) {
        this(migrationId, attempt, source, target, ignoreDbs, from, method, scanParts, shard, selection, slots, null);
    }

    /** The same request, its shard's master found at {@code master} (see {@link #clusterNodes}). */
    public StreamRequest withSource(RedisEndpoint master) {
        return new StreamRequest(migrationId, attempt, master, target, ignoreDbs, from, method, scanParts, shard, selection,
                slots, clusterNodes);
    }

    @Override
    public String topic() {
        return Topics.STREAM_REQUESTS;
    }

    /** Each shard of a cluster source its own key: the stream-worker group spreads them over its instances. */
    @Override
    public String key() {
        return ShardNames.recordKey(migrationId, shard);
    }

    /** Without a shard's slots (a standalone source, or no slot watch). */
    public StreamRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs,
            ReplicationOffset from, MigrationMethod method, Integer scanParts, Integer shard, KeySelection selection) {
        this(migrationId, attempt, source, target, ignoreDbs, from, method, scanParts, shard, selection, null);
    }

    /** A replay by replication from {@code from}. */
    public StreamRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs,
            ReplicationOffset from) {
        this(migrationId, attempt, source, target, ignoreDbs, from, MigrationMethod.REPLICATION, null, null, null);
    }

    /** A replay of every key but the ignored dbs', each db into its own number. */
    public StreamRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs,
            ReplicationOffset from, MigrationMethod method, Integer scanParts) {
        this(migrationId, attempt, source, target, ignoreDbs, from, method, scanParts, null, null);
    }

    /** Which keys go where. */
    @JsonIgnore
    public MigratedKeys migratedKeys() {
        return new MigratedKeys(ignoreDbs, selection);
    }

    @JsonIgnore
    public int scanPartCount() {
        return scanParts == null ? 1 : scanParts;
    }

    @JsonIgnore
    public boolean byScan() {
        return MigrationMethod.orDefault(method) == MigrationMethod.SCAN;
    }
}

package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Set;
import java.util.UUID;

/**
 * Copy everything of {@code source} (but the ignored dbs) into {@code target}, by {@code method}
 * (absent: replication).
 */
public record SnapshotRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs,
        @JsonProperty("method") MigrationMethod method) {

    /** A copy by replication. */
    public SnapshotRequest(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target, Set<Integer> ignoreDbs) {
        this(migrationId, attempt, source, target, ignoreDbs, MigrationMethod.REPLICATION);
    }

    @JsonIgnore
    public boolean byScan() {
        return MigrationMethod.orDefault(method) == MigrationMethod.SCAN;
    }
}

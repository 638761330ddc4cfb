package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Set;
import java.util.UUID;

/** Copy everything of {@code source} (but the ignored dbs) into {@code target}. */
public record SnapshotRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs) {
}

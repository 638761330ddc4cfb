package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.util.Set;
import java.util.UUID;

/** Replay the source's writes into the target from {@code from} on, until stopped. */
public record StreamRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs,
        @JsonProperty("from") ReplicationOffset from) {
}

package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.selection.KeySelection;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Compare {@code source} and {@code target} (all dbs but the ignored ones; with a selection, the keys it
 * selects, each source db against the target db it goes into), key by key: type, value and TTL. Passwords travel sealed, as in the other requests. {@code sampleSize} applies to
 * {@link VerifyMode#SAMPLE} only.
 */
public record VerifyRequest(
        @JsonProperty("verification_id") UUID verificationId,
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs,
        @JsonProperty("mode") VerifyMode mode,
        @JsonProperty("sample_size") Integer sampleSize,
        /** a cluster source: each master with its slots ({@code source} is then the node the user named); absent: standalone */
        @JsonProperty("source_shards") List<SourceShard> sourceShards,
        /** the migration's key filters and db_map (absent: every key, each db into its own number); a merge is not verifiable */
        @JsonProperty("selection") KeySelection selection) implements WorkerCommand {

    /** A source shard: its master, with the source's credentials, and its slots ("0-5460,6000"). */
    public record SourceShard(@JsonProperty("node") RedisEndpoint node, @JsonProperty("slots") String slots) {
    }

    /** Of a standalone source. */
    public VerifyRequest(UUID verificationId, UUID migrationId, RedisEndpoint source, RedisEndpoint target,
            Set<Integer> ignoreDbs, VerifyMode mode, Integer sampleSize) {
        this(verificationId, migrationId, source, target, ignoreDbs, mode, sampleSize, null, null);
    }

    @Override
    public String topic() {
        return Topics.VERIFY_REQUESTS;
    }

}

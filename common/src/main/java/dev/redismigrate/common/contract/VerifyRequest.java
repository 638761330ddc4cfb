package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Set;
import java.util.UUID;

/**
 * Compare {@code source} and {@code target} (all dbs but the ignored ones), key by key: type, value
 * and TTL. Passwords travel sealed, as in the other requests. {@code sampleSize} applies to
 * {@link VerifyMode#SAMPLE} only.
 */
public record VerifyRequest(
        @JsonProperty("verification_id") UUID verificationId,
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("source") RedisEndpoint source,
        @JsonProperty("target") RedisEndpoint target,
        @JsonProperty("ignore_dbs") Set<Integer> ignoreDbs,
        @JsonProperty("mode") VerifyMode mode,
        @JsonProperty("sample_size") Integer sampleSize) implements WorkerCommand {

    @Override
    public String topic() {
        return Topics.VERIFY_REQUESTS;
    }

}

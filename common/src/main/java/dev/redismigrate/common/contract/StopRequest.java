package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.UUID;

/** Stop whatever runs for this migration; what was written to the target stays. */
public record StopRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("reason") String reason) {
}

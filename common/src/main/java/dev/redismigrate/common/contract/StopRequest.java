package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.UUID;

/**
 * Stop what runs for this migration; what was written to the target stays. With
 * {@code belowAttempt}, only tasks of older attempts stop (the migration moved to a new one).
 */
public record StopRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("reason") String reason,
        @JsonProperty("below_attempt") Integer belowAttempt) implements WorkerCommand {

    @Override
    public String topic() {
        return Topics.CONTROL;
    }

    public StopRequest(UUID migrationId, String reason) {
        this(migrationId, reason, null);
    }

    /** Whether a task of {@code attempt} must stop. */
    public boolean stops(int attempt) {
        return belowAttempt == null || attempt < belowAttempt;
    }
}

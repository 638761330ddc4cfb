package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.UUID;

/**
 * Stop what runs for this migration; what was written to the target stays. With
 * {@code belowAttempt}, only tasks of older attempts stop (the migration, or the shard, moved to a
 * new one). With {@code shard}, only the tasks of that source shard of a cluster source: each shard
 * has its own attempt, so a hand-over of one shard leaves the others' tasks running.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StopRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("reason") String reason,
        @JsonProperty("below_attempt") Integer belowAttempt,
        @JsonProperty("shard") Integer shard) implements WorkerCommand {

    @Override
    public String topic() {
        return Topics.CONTROL;
    }

    public StopRequest(UUID migrationId, String reason) {
        this(migrationId, reason, null, null);
    }

    public StopRequest(UUID migrationId, String reason, Integer belowAttempt) {
        this(migrationId, reason, belowAttempt, null);
    }

    /** Whether a task of {@code attempt} on {@code taskShard} (null: a standalone source) must stop. */
    public boolean stops(int attempt, Integer taskShard) {
        return (shard == null || shard.equals(taskShard)) && (belowAttempt == null || attempt < belowAttempt);
    }
}

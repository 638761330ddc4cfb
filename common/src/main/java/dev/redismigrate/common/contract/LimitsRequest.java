package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.limits.Limits;
import java.util.UUID;

/**
 * The limits of a migration (PUT's or PATCH's {@code limits}), heard by every worker instance on the
 * control topic: running tasks of the migration take them at once, later ones when they start.
 */
public record LimitsRequest(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("limits") Limits limits) implements WorkerCommand {

    @Override
    public String topic() {
        return Topics.CONTROL;
    }
}

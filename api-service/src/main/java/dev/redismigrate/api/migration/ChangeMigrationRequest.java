package dev.redismigrate.api.migration;

import dev.redismigrate.api.json.KnownFieldsOnly;

/** Body of PATCH /v2/databases/{id}/online-migration/{migration_id}: what may change while it runs. */
@KnownFieldsOnly
public record ChangeMigrationRequest(LimitsInput limits) {
}

package dev.redismigrate.api.migration;

/** Body of PATCH /v2/databases/{id}/online-migration/{migration_id}: what may change while it runs. */
public record ChangeMigrationRequest(LimitsInput limits) {
}

package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.UUID;

/**
 * Scan method: a key of the source that changed (db and key, the key base64 in JSON since keys are
 * binary), or the mark that the attempt's scan has completed ({@code scanCompleted}), after which
 * every change read must be copied again. Keys are data, not secrets, but are not logged at INFO.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChangedKey(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("db") Integer db,
        @JsonProperty("key") byte[] key,
        @JsonProperty("scan_completed") Boolean scanCompleted,
        /** with scanCompleted: which part of a split scan completed */
        @JsonProperty("part") Integer part) {

    public static ChangedKey of(UUID migrationId, int attempt, int db, byte[] key) {
        return new ChangedKey(migrationId, attempt, db, key, null, null);
    }

    public static ChangedKey scanCompleted(UUID migrationId, int attempt, int part) {
        return new ChangedKey(migrationId, attempt, null, null, true, part);
    }

    public boolean marksScanCompleted() {
        return Boolean.TRUE.equals(scanCompleted);
    }
}

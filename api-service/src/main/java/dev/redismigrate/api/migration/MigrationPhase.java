package dev.redismigrate.api.migration;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which worker has the migration: snapshot, then stream, until stopped. */
public enum MigrationPhase {
    SNAPSHOT,
    STREAM,
    STOPPED;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}

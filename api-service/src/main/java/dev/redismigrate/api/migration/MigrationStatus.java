package dev.redismigrate.api.migration;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.redismigrate.api.error.ApiException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Where a migration stands, as DigitalOcean's API names it. */
public enum MigrationStatus {
    /** snapshot under way */
    RUNNING,
    /** streaming the source's writes */
    SYNCING,
    CANCELED,
    ERROR,
    /** stopped at stops_at */
    DONE;

    public static final List<MigrationStatus> ACTIVE = List.of(RUNNING, SYNCING);

    public boolean isActive() {
        return ACTIVE.contains(this);
    }

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static MigrationStatus parse(String text) {
        return Arrays.stream(values()).filter(s -> s.wire().equals(text)).findFirst()
                .orElseThrow(() -> ApiException.badRequest("status must be one of running, syncing, canceled, error, done"));
    }
}

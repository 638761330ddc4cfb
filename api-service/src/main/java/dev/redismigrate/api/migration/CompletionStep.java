package dev.redismigrate.api.migration;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a completion (POST .../complete) stands; it ends with the migration done, or with no step and a note why not. */
public enum CompletionStep {
    /** the source's writes are paused (if asked) and the apply has not yet reached the source's offset */
    WAITING_FOR_OFFSET,
    /** the point is reached; a verification compares the target with the source */
    VERIFYING,
    /** the stream worker was asked to stop; done once it has */
    STOPPING;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}

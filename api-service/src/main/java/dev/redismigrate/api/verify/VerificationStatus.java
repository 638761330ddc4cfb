package dev.redismigrate.api.verify;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Where a verification stands. */
public enum VerificationStatus {
    RUNNING,
    /** it ran to the end: see the verdict */
    DONE,
    /** it could not run or finish: see error */
    ERROR;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}

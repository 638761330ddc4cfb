package dev.redismigrate.common.limits;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a migration may cost per second; 0 means unlimited.
 *
 * @param keysPerSecond keys the copy (scan, or RDB apply) writes per second
 * @param commandsPerSecond commands the stream writes to the target per second
 */
public record Limits(@JsonProperty("keys_per_second") long keysPerSecond,
        @JsonProperty("commands_per_second") long commandsPerSecond) {
    public static final Limits NONE = new Limits(0, 0);

    public boolean any() {
        return keysPerSecond > 0 || commandsPerSecond > 0;
    }
}

package dev.redismigrate.api.migration;

import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.json.KnownFieldsOnly;
import dev.redismigrate.common.limits.Limits;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code limits} of PUT and PATCH: keys per second of the copy (scan, or RDB apply) and commands per
 * second the stream writes to the target; 0 is unlimited, a negative number a 400 naming the field.
 */
@KnownFieldsOnly
public record LimitsInput(
        @Schema(description = "keys per second the copy writes (scan, or the RDB apply); 0: unlimited", minimum = "0")
        Long keysPerSecond,
        @Schema(description = "commands per second the stream writes to the target; 0: unlimited", minimum = "0")
        Long commandsPerSecond) {

    /** For a start: an absent limit is none. */
    static Limits read(LimitsInput input) {
        return input == null ? Limits.NONE : input.over(Limits.NONE);
    }

    /** For a change: an absent limit keeps its current value. */
    Limits over(Limits current) {
        return new Limits(value("limits.keys_per_second", keysPerSecond, current.keysPerSecond()),
                value("limits.commands_per_second", commandsPerSecond, current.commandsPerSecond()));
    }

    private static long value(String field, Long given, long current) {
        if (given == null) {
            return current;
        }
        if (given < 0) {
            throw ApiException.badRequest(field + " must be 0 (unlimited) or more, got " + given);
        }
        return given;
    }
}

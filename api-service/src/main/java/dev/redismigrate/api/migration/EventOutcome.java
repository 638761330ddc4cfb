package dev.redismigrate.api.migration;

import java.util.List;

/**
 * What a worker's event leads to besides the migration's new state.
 *
 * @param history the line to keep in the migration's history, or null (progress is not kept)
 * @param commands requests for the workers (StreamRequest, SnapshotRequest, StopRequest), in order; often none
 */
public record EventOutcome(String history, List<Object> commands) {
    static final EventOutcome NONE = new EventOutcome(null, List.of());

    public EventOutcome {
        commands = commands == null ? List.of() : commands;
    }

    /** With one command, or none when null. */
    EventOutcome(String history, Object command) {
        this(history, command == null ? List.of() : List.of(command));
    }
}

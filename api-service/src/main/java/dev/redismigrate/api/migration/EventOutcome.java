package dev.redismigrate.api.migration;

import dev.redismigrate.common.contract.WorkerCommand;
import java.util.List;

/**
 * What a worker's event leads to besides the migration's new state.
 *
 * @param history the line to keep in the migration's history, or null (progress is not kept)
 * @param commands commands for the workers, in order; often none
 */
public record EventOutcome(String history, List<WorkerCommand> commands) {
    static final EventOutcome NONE = new EventOutcome(null, List.of());

    public EventOutcome {
        commands = commands == null ? List.of() : commands;
    }

    /** A line for the history, no command. */
    static EventOutcome ofHistory(String history) {
        return new EventOutcome(history, List.of());
    }

    /** With one command, or none when null. */
    EventOutcome(String history, WorkerCommand command) {
        this(history, command == null ? List.of() : List.of(command));
    }
}

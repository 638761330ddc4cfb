package dev.redismigrate.api.migration;

/**
 * What a worker's event leads to besides the migration's new state.
 *
 * @param history the line to keep in the migration's history, or null (progress is not kept)
 * @param command a request for the workers (StreamRequest, StopRequest), or null
 */
public record EventOutcome(String history, Object command) {
    static final EventOutcome NONE = new EventOutcome(null, null);
}

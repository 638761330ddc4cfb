package dev.redismigrate.worker.changelog;

/** A source position in a change log: offset {@code offset} of history {@code replId}, db selected there. */
public record ChangeLogPosition(String replId, long offset, int db) {
}

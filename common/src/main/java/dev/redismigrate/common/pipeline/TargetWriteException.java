package dev.redismigrate.common.pipeline;

/** The target refused a command (e.g. OOM at maxmemory): the migration cannot go on silently. */
public class TargetWriteException extends RuntimeException {
    public TargetWriteException(String message) {
        super(message);
    }
}

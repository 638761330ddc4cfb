package dev.redismigrate.common.pipeline;

/**
 * The target could not be written because a connection to it broke (not a refused command): a
 * copy reconnects and writes again what it cannot be sure arrived.
 */
public class TargetLostException extends TargetWriteException {
    public TargetLostException(String message) {
        super(message);
    }
}

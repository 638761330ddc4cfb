package dev.redismigrate.snapshot;

/**
 * A value of the source's RDB that the copy cannot rebuild (a module's type, an RDB type newer than
 * the parser): the copy stops rather than leave the key out. Final: reading the RDB again meets it again.
 */
final class UnreadableValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnreadableValueException(String message) {
        super(message);
    }

    UnreadableValueException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.redismigrate.common.value;

/**
 * The command that recreates a key from its DUMP payload on a target: {@code RESTORE key <absolute
 * expiry> <dump> REPLACE ABSTTL} (or without a TTL), with the expiry absolute so that time spent in
 * the pipeline towards the target does not lengthen it.
 */
public final class RestoreCommand {
    private static final byte[] RESTORE = Replies.ascii("RESTORE");
    private static final byte[] REPLACE = Replies.ascii("REPLACE");
    private static final byte[] ABSTTL = Replies.ascii("ABSTTL");
    private static final byte[] NO_TTL = Replies.ascii("0");

    private RestoreCommand() {
    }

    /** @param expireAtMillis the key's absolute expiry, or null when it has none */
    public static byte[][] of(byte[] key, byte[] dump, Long expireAtMillis) {
        if (expireAtMillis == null) {
            return new byte[][] {RESTORE, key, NO_TTL, dump, REPLACE};
        }
        return new byte[][] {RESTORE, key, Replies.ascii(Long.toString(expireAtMillis)), dump, REPLACE, ABSTTL};
    }

    /** Whether {@code argv} is a command of {@link #of} (whose payload is then {@link #payload}). */
    public static boolean is(byte[][] argv) {
        return argv[0] == RESTORE;
    }

    public static byte[] payload(byte[][] argv) {
        return argv[3];
    }

    public static byte[] key(byte[][] argv) {
        return argv[1];
    }

    /** Whether the key restored by a command of {@link #of} has an expiry. */
    public static boolean expires(byte[][] argv) {
        return argv.length > 5;
    }

    /** The absolute expiry (ms) of a command of {@link #of} that {@link #expires}. */
    public static long expireAtMillis(byte[][] argv) {
        return Long.parseLong(new String(argv[2], java.nio.charset.StandardCharsets.US_ASCII));
    }
}

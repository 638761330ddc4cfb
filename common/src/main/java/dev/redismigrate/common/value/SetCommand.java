package dev.redismigrate.common.value;

/**
 * A string key written from its value as read ({@code MGET}): {@code SET key value} or, with an
 * expiry, {@code SET key value PXAT <absolute ms>} (Redis 6.2 on, every Valkey), the expiry absolute
 * as {@link RestoreCommand}'s, so that time spent in the pipeline does not lengthen it.
 */
public final class SetCommand {
    private static final byte[] SET = Replies.ascii("SET");
    private static final byte[] PXAT = Replies.ascii("PXAT");

    private SetCommand() {
    }

    /** @param expireAtMillis the key's absolute expiry, or null when it has none */
    public static byte[][] of(byte[] key, byte[] value, Long expireAtMillis) {
        if (expireAtMillis == null) {
            return new byte[][] {SET, key, value};
        }
        return new byte[][] {SET, key, value, PXAT, Replies.ascii(Long.toString(expireAtMillis))};
    }

    /** Whether {@code argv} is a command of {@link #of} without an expiry (its key and value may join an MSET). */
    public static boolean isPlain(byte[][] argv) {
        return argv[0] == SET && argv.length == 3;
    }

    public static byte[] key(byte[][] argv) {
        return argv[1];
    }

    public static byte[] value(byte[][] argv) {
        return argv[2];
    }
}

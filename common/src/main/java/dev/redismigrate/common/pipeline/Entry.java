package dev.redismigrate.common.pipeline;

/**
 * One command for the target: run {@code argv} in {@code db}. {@code sourceOffset} is the source's
 * replication offset once this command is applied (-1 where there is none, as in a snapshot).
 */
public record Entry(int db, byte[][] argv, long sourceOffset) {

    public String name() {
        return new String(argv[0], java.nio.charset.StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
    }

    /** Whether this is an {@code EXEC} (any case): it ends a transaction, so writers send it at once. */
    public boolean isExec() {
        byte[] name = argv[0];
        return name.length == 4 && (name[0] | 0x20) == 'e' && (name[1] | 0x20) == 'x' && (name[2] | 0x20) == 'e'
                && (name[3] | 0x20) == 'c';
    }

    public long size() {
        long n = 0;
        for (byte[] a : argv) {
            n += a.length;
        }
        return n;
    }
}

package dev.redismigrate.common.pipeline;

/**
 * One command for the target: run {@code argv} in {@code db}. {@code sourceOffset} is the source's
 * replication offset once this command is applied (-1 where there is none, as in a snapshot).
 */
public record Entry(int db, byte[][] argv, long sourceOffset) {

    public String name() {
        return new String(argv[0], java.nio.charset.StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
    }

    public long size() {
        long n = 0;
        for (byte[] a : argv) {
            n += a.length;
        }
        return n;
    }
}

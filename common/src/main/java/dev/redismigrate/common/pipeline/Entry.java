package dev.redismigrate.common.pipeline;

/**
 * One command for the target: run {@code argv} in {@code db}. {@code sourceOffset} is the source's
 * replication offset once this command is applied (-1 where there is none, as in a snapshot).
 * {@code size} is the bytes of its arguments, counted once: the reader, the queue and the writer
 * each weigh an entry, and walking an MSET's 201 arguments three times on three threads, each
 * array cold in that core's cache, was a sixth of a snapshot worker's samples (12-06).
 */
public record Entry(int db, byte[][] argv, long sourceOffset, long size) {

    public Entry(int db, byte[][] argv, long sourceOffset) {
        this(db, argv, sourceOffset, sizeOf(argv));
    }

    private static long sizeOf(byte[][] argv) {
        long n = 0;
        for (byte[] a : argv) {
            n += a.length;
        }
        return n;
    }

    public String name() {
        return new String(argv[0], java.nio.charset.StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT);
    }

    /** Whether this is an {@code EXEC} (any case): it ends a transaction, so writers send it at once. */
    public boolean isExec() {
        byte[] name = argv[0];
        return name.length == 4 && (name[0] | 0x20) == 'e' && (name[1] | 0x20) == 'x' && (name[2] | 0x20) == 'e'
                && (name[3] | 0x20) == 'c';
    }
}

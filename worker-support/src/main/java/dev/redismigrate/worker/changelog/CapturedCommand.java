package dev.redismigrate.worker.changelog;

/**
 * One write read from the source's replication link: the db selected when it came, its argv, and
 * the source offset once it is applied (the position a checkpoint records).
 */
public record CapturedCommand(int db, byte[][] argv, long endOffset) {

    /** Bytes it takes in a record, about (for size-bounded batches). */
    public int size() {
        int size = 16;
        for (byte[] arg : argv) {
            size += arg.length + 5;
        }
        return size;
    }
}

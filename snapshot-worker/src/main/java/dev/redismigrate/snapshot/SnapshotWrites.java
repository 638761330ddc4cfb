package dev.redismigrate.snapshot;

import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.ShardedEntryWriter;
import dev.redismigrate.common.value.MsetBatch;
import dev.redismigrate.common.value.PlainString;
import dev.redismigrate.common.value.RestoreCommand;
import dev.redismigrate.common.value.SetCommand;

/**
 * Turns the copies' whole keys into commands for the target: the replication copy's (a DUMP payload each, as the
 * RDB holds it) and the scan's (a DUMP payload, or a string read by value as its {@code SET}). A plain string
 * without expiry (most keys of a typical dataset) joins an {@link MsetBatch} of its shard and db:
 * cheaper for the target than a {@code RESTORE} each, and this worker computes no checksum for it.
 * One with an expiry is its {@code SET ... PXAT} where the target takes that (the same absolute
 * expiry as ABSTTL): no checksum for this worker, a little less for the target (measured 12-06, the
 * benchmark's 90,164 expiring strings of db 0 piped in three times each: 3.9 µs of the target's CPU
 * per key against 4.1 as RESTORE). Everything else is its {@code RESTORE}: it loads a serialized encoding
 * (listpack, intset...) for less than rebuilding it, and carries an expiry to the millisecond (ABSTTL). Keys of a
 * copy are written once (a key a SCAN names twice holds the same value, or changed and is copied again after the
 * scan), so an MSET held back for company changes no order that matters; never a part of a key (a big value's
 * chunks, a type-wise rebuild), whose plain {@code SET} would join an MSET behind its {@code APPEND}s. {@link #flush}
 * hands over what is held. One thread uses it.
 */
public final class SnapshotWrites {
    private final ShardedEntryWriter writer;
    private final MsetBatch[] batches;
    /** the target's SET takes PXAT */
    private final boolean setPxat;
    private int batchDb = -1;

    public SnapshotWrites(ShardedEntryWriter writer, boolean setPxat) {
        this.writer = writer;
        this.setPxat = setPxat;
        this.batches = new MsetBatch[writer.shards()];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = new MsetBatch();
        }
    }

    /**
     * @param command a whole key: its {@link RestoreCommand} (payload and expiry as read), or the {@code SET} of a
     *     string read by value ({@link SetCommand#of}, with or without its expiry)
     */
    public void write(int db, byte[][] command) {
        byte[] key = command[1];
        int shard = writer.shardOf(key);
        byte[] plain;
        if (RestoreCommand.is(command)) {
            boolean expires = RestoreCommand.expires(command);
            plain = expires && !setPxat ? null : PlainString.of(RestoreCommand.payload(command));
            if (plain != null && expires) {
                writer.write(shard, new Entry(db, SetCommand.of(key, plain, RestoreCommand.expireAtMillis(command)), -1));
                return;
            }
        } else {
            plain = SetCommand.isPlain(command) ? SetCommand.value(command) : null; // with PXAT: as it is
        }
        if (plain == null) {
            writer.write(shard, new Entry(db, command, -1));
            return;
        }
        if (db != batchDb) {
            flush();
            batchDb = db;
        }
        if (batches[shard].add(key, plain)) {
            writer.write(shard, new Entry(db, batches[shard].take(), -1));
        }
    }

    /** Hands every MSET held back to the writer (which still has to flush them to the target). */
    public void flush() {
        for (int shard = 0; shard < batches.length; shard++) {
            if (!batches[shard].isEmpty()) {
                writer.write(shard, new Entry(batchDb, batches[shard].take(), -1));
            }
        }
    }
}

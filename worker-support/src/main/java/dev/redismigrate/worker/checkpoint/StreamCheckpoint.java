package dev.redismigrate.worker.checkpoint;

import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Where a migration's stream stands: which attempt wrote it and up to which source offset the
 * target holds the source's writes. The stream keeps it in the target, written in the same
 * transaction as the commands it covers, so data and offset never disagree, and a newer attempt's
 * value fences off an older one still running. A completed snapshot writes the first one.
 */
public record StreamCheckpoint(int attempt, ReplicationOffset offset) {

    /**
     * The checkpoint's key in a standalone target. Every checkpoint key is named here (one place),
     * so that other dimensions (e.g. a source shard) extend this one name.
     */
    public static byte[] key(UUID migrationId) {
        return key(migrationId, null);
    }

    /** The key in the target: one per source shard (named in {@link ShardNames}). */
    public static byte[] key(UUID migrationId, Integer shard) {
        return ShardNames.checkpointKey(migrationId, shard).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The checkpoint of one source shard in one slot of a cluster target (named in {@link ShardNames}):
     * the hash tag {@code {tag}} puts it in that slot, so it is written atomically with that slot's part
     * of a batch (a cluster runs a transaction or a script within one slot only).
     */
    public static byte[] slotKey(UUID migrationId, Integer shard, String slotTag) {
        return ShardNames.slotCheckpointKey(migrationId, shard, slotTag).getBytes(StandardCharsets.US_ASCII);
    }

    public byte[] encode() {
        return (attempt + " " + offset.replId() + " " + offset.offset() + " " + offset.db()).getBytes(StandardCharsets.US_ASCII);
    }

    /** @return null for null (no checkpoint) */
    public static StreamCheckpoint decode(Object stored) {
        if (stored == null) {
            return null;
        }
        String text = stored instanceof byte[] b ? new String(b, StandardCharsets.US_ASCII) : String.valueOf(stored);
        String[] f = text.trim().split(" ");
        if (f.length != 4) {
            throw new IllegalStateException("the target holds a checkpoint this worker cannot read: " + text);
        }
        return new StreamCheckpoint(Integer.parseInt(f[0]), new ReplicationOffset(f[1], Long.parseLong(f[2]), Integer.parseInt(f[3])));
    }
}

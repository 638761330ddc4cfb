package dev.redismigrate.worker;

/**
 * A task of one source shard of a cluster source: the shards of one migration run side by side, in
 * one process or spread over several, so the {@link TaskRunner} tells them apart by their shard. The
 * task itself needs no shard of its own: its request names the shard's node, and the change log,
 * the checkpoint and the events it is given are the shard's.
 */
public final class ShardTask extends WrappedTask {
    private final int shard;

    private ShardTask(int shard, MigrationTask task) {
        super(task);
        this.shard = shard;
    }

    /** The task of {@code shard}, or the task itself for a standalone source (shard null). */
    public static MigrationTask of(Integer shard, MigrationTask task) {
        return shard == null ? task : new ShardTask(shard, task);
    }

    @Override
    public Integer shard() {
        return shard;
    }
}

package dev.redismigrate.worker;

import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Map;
import java.util.UUID;

/**
 * A task of one source shard of a cluster source: the shards of one migration run side by side, in
 * one process or spread over several, so the {@link TaskRunner} tells them apart by their shard. The
 * task itself needs no shard of its own: its request names the shard's node, and the change log,
 * the checkpoint and the events it is given are the shard's.
 */
public final class ShardTask implements MigrationTask {
    private final int shard;
    private final MigrationTask task;

    private ShardTask(int shard, MigrationTask task) {
        this.shard = shard;
        this.task = task;
    }

    /** The task of {@code shard}, or the task itself for a standalone source (shard null). */
    public static MigrationTask of(Integer shard, MigrationTask task) {
        return shard == null ? task : new ShardTask(shard, task);
    }

    @Override
    public Integer shard() {
        return shard;
    }

    @Override
    public UUID migrationId() {
        return task.migrationId();
    }

    @Override
    public int attempt() {
        return task.attempt();
    }

    @Override
    public int part() {
        return task.part();
    }

    @Override
    public void stop() {
        task.stop();
    }

    @Override
    public Map<String, RedisEndpoint> endpoints() {
        return task.endpoints();
    }

    @Override
    public void run() {
        task.run();
    }
}

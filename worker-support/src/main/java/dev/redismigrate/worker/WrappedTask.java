package dev.redismigrate.worker;

import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Map;
import java.util.UUID;

/** A task around another that adds one thing (its shard, a watch while it runs) and passes the rest on. */
abstract class WrappedTask implements MigrationTask {
    protected final MigrationTask task;

    protected WrappedTask(MigrationTask task) {
        this.task = task;
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
    public Integer shard() {
        return task.shard();
    }

    @Override
    public void stop() {
        task.stop();
    }

    @Override
    public void supersede() {
        task.supersede();
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

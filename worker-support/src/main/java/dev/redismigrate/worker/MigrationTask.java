package dev.redismigrate.worker;

import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Map;
import java.util.UUID;

/** A long job of one migration that a worker runs on its own thread and can be asked to stop. */
public interface MigrationTask extends Runnable {
    UUID migrationId();

    int attempt();

    /** Which part of a split job this is; several parts of one migration may run in one process. */
    default int part() {
        return 0;
    }

    /** Which source shard of a cluster source it works on (null: a standalone source); shards of one migration run side by side. */
    default Integer shard() {
        return null;
    }

    /** Ask the task to end soon; it keeps what it has written and reports STOPPED. */
    void stop();

    /**
     * Ask the task to end because a newer attempt of its work has started (here or on another
     * instance): as {@link #stop}, but what the newer attempt goes on with (a stream's change log and
     * the target's checkpoint) is left as it is, not tidied away as at the end of a migration.
     */
    default void supersede() {
        stop();
    }

    /** The Redis servers it works with, by role ("source", "target"), for the readiness check. */
    default Map<String, RedisEndpoint> endpoints() {
        return Map.of();
    }
}

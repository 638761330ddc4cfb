package dev.redismigrate.snapshot;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "redis-migrate.snapshot")
public interface SnapshotConfig {
    /** Commands in flight towards the target at most. */
    int pipelineCommands();

    /** Bytes of commands in flight towards the target at most. */
    MemorySize pipelineBytes();

    /** The replication backlog the source should keep so the stream can continue where the copy ended. */
    MemorySize sourceBacklog();
}

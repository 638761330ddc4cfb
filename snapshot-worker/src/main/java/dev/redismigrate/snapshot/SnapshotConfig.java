package dev.redismigrate.snapshot;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;

@ConfigMapping(prefix = "redis-migrate.snapshot")
public interface SnapshotConfig {
    /** Connections (each with its own thread) that restore keys into the target at once. */
    int writers();

    /** Bytes of parsed keys waiting for a writer at most, over all writers. */
    MemorySize queuedBytes();

    /** Commands in flight towards the target at most, per writer. */
    int pipelineCommands();

    /** Bytes of commands in flight towards the target at most, per writer. */
    MemorySize pipelineBytes();

    /** The replication backlog the source should keep so the stream can continue where the copy ended. */
    MemorySize sourceBacklog();
}

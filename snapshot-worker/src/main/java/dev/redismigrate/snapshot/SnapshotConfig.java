package dev.redismigrate.snapshot;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import java.time.Duration;

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

    /**
     * A value whose RDB form is larger than this is not restored whole (one DUMP payload in memory)
     * but written in chunks of type-wise commands.
     */
    MemorySize bigValue();

    /** About how many bytes each command of a chunked value carries. */
    MemorySize chunk();

    /** The replication backlog the source should keep so the stream can continue where the copy ended. */
    MemorySize sourceBacklog();

    /**
     * How long a copy whose source link broke (the source closed it, a network cut) keeps starting
     * over before the migration is an error.
     */
    Duration sourceRetryFor();

    /**
     * How long a target whose connections broke during the copy is reconnected to (the spooled RDB
     * is then applied again from its start); 0: the copy fails at once.
     */
    Duration targetRetryFor();

    /** Where the RDB is spooled between the replication link and the target (removed once applied). */
    String spoolDirectory();

    /** Disk the spool may take at most: a larger RDB ends the copy with that reason. */
    MemorySize spoolBudget();
}

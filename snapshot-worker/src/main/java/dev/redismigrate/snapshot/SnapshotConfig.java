package dev.redismigrate.snapshot;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** redis-migrate.snapshot.*: the replication copy (and the pipeline bounds towards the target of both copies). */
@ConfigMapping(prefix = "redis-migrate.snapshot")
public interface SnapshotConfig {
    /**
     * Connections (each with its own thread) that restore keys into the target at once. The target
     * applies them on its one thread, so more mainly helps when the worker has cores to spare.
     */
    @WithDefault("2")
    int writers();

    /**
     * Bytes of parsed keys waiting for a writer at most, over all writers: the parser waits when it is
     * reached. What waits here lives through the young collections (the target is usually the slower
     * side, so the queue is full): at 32M a 1,000,000-key copy spent 2.6 s in GC pauses, at 8M 0.7-1.1 s
     * (12-06, `SocketEntryWriter` no longer holding the payloads in flight), while a few MiB is still
     * tens of milliseconds of the target's work.
     */
    @WithDefault("8M")
    MemorySize queuedBytes();

    /** Commands in flight towards the target at most, per writer: bounds memory and keeps the pipe full. */
    @WithDefault("2000")
    int pipelineCommands();

    /**
     * Bytes of commands in flight towards the target at most, per writer (what a distant target
     * needs: its round trip times its rate). A standalone target's writer keeps only each command's
     * name once it is encoded; a cluster target's keeps the commands until answered (a MOVED one is
     * sent again), so there it is memory too.
     */
    @WithDefault("16M")
    MemorySize pipelineBytes();

    /**
     * A value whose RDB form is larger than this is not restored whole (one DUMP payload in memory)
     * but written in chunks of type-wise commands (SET+APPEND, HSET, SADD, ZADD, RPUSH): memory is
     * bounded by this and {@link #chunk}, not by the largest key.
     */
    @WithDefault("16M")
    MemorySize bigValue();

    /** About how many bytes each command of a chunked value carries. */
    @WithDefault("1M")
    MemorySize chunk();

    /** The replication backlog the source should keep so the stream can continue where the copy ended. */
    @WithDefault("256M")
    MemorySize sourceBacklog();

    /**
     * How long a copy whose source link broke (the source closed it, a network cut) keeps starting
     * over (from an emptied target, with backoff) before the migration is an error with the reason.
     */
    @WithDefault("60s")
    Duration sourceRetryFor();

    /**
     * How long a target whose connections broke during the copy is reconnected to (the spooled RDB
     * is then applied again from its start); 0: the copy fails at once.
     */
    @WithDefault("${REDIS_MIGRATE_TARGET_RETRY_FOR:120s}")
    Duration targetRetryFor();

    /** Where the RDB is spooled between the replication link and the target (removed once applied). */
    @WithDefault("${REDIS_MIGRATE_SPOOL_DIR:${java.io.tmpdir}/redis-migrate-spool}")
    String spoolDirectory();

    /** Disk the spool may take at most: a larger RDB ends the copy with that reason. */
    @WithDefault("${REDIS_MIGRATE_SPOOL_BUDGET:20G}")
    MemorySize spoolBudget();

    /**
     * snapshot_load replica: the address this worker listens on (an ephemeral port) for the target's
     * replication link, and gives the target in REPLICAOF; the target must reach it (in Kubernetes,
     * the pod's IP).
     */
    @WithDefault("${REDIS_MIGRATE_REPLICA_LOAD_HOST:127.0.0.1}")
    String replicaLoadHost();
}

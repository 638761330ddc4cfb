package dev.redismigrate.stream;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** redis-migrate.stream.*: the replay of the source's replication stream (and the pipeline bounds of the changed-key copy). */
@ConfigMapping(prefix = "redis-migrate.stream")
public interface StreamConfig {
    /** Commands in flight towards the target at most. */
    @WithDefault("2000")
    int pipelineCommands();

    /** Bytes of commands in flight towards the target at most. */
    @WithDefault("64M")
    MemorySize pipelineBytes();

    /** Commands per checkpointed transaction at most (a source transaction is never split). */
    @WithDefault("1000")
    int batchCommands();

    /** How often the applied offset and lag are reported. */
    @WithDefault("1s")
    Duration progressInterval();

    /** How long a lost source is retried before the migration fails. */
    @WithDefault("60s")
    Duration reconnectFor();

    /**
     * How long a lost target (a proxy restart, a failover) is reconnected to before the migration
     * fails; the capture goes on meanwhile. 0: a lost target fails the stream at once.
     */
    @WithDefault("${REDIS_MIGRATE_TARGET_RETRY_FOR:120s}")
    Duration targetRetryFor();
}

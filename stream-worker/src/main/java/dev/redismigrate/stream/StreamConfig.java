package dev.redismigrate.stream;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import java.time.Duration;

@ConfigMapping(prefix = "redis-migrate.stream")
public interface StreamConfig {
    /** Commands in flight towards the target at most. */
    int pipelineCommands();

    /** Bytes of commands in flight towards the target at most. */
    MemorySize pipelineBytes();

    /** Commands per checkpointed transaction at most (a source transaction is never split). */
    int batchCommands();

    /** How often the applied offset and lag are reported. */
    Duration progressInterval();

    /** How long a lost source is retried before the migration fails. */
    Duration reconnectFor();

    /**
     * How long a lost target (a proxy restart, a failover) is reconnected to before the migration
     * fails; the capture goes on meanwhile. 0: a lost target fails the stream at once.
     */
    Duration targetRetryFor();
}

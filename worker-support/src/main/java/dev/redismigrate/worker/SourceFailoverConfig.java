package dev.redismigrate.worker;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** redis-migrate.source-failover.*: a cluster source's master that fails over under a shard's copy or capture. */
@ConfigMapping(prefix = "redis-migrate.source-failover")
public interface SourceFailoverConfig {
    /**
     * How long a shard's task that failed with its master gone waits for the cluster to promote a
     * replica (the node timeout plus the election); found, that shard alone is copied again from it
     * ({@link MasterFailoverEvents}). 0: such a task ends the migration in error.
     */
    @WithDefault("30s")
    Duration waitFor();
}

package dev.redismigrate.worker;

import com.moilioncircle.redis.replicator.Replicator;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.io.IOException;
import java.util.UUID;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * What the snapshot copy and the stream replay share beyond {@link RequestTask}: they read their
 * source as a replica, and stop by closing that replication link too.
 */
public abstract class ReplicaTask extends RequestTask {
    private static final Logger LOG = Logger.getLogger(ReplicaTask.class);

    protected final RedisConnector connector;
    /** the current replication link, closed to stop */
    protected volatile Replicator replicator;

    protected ReplicaTask(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target,
            RedisConnector connector, Consumer<MigrationEvent> events) {
        super(migrationId, attempt, source, target, events);
        this.connector = connector;
    }

    @Override
    public void stop() {
        super.stop();
        closeReplicator();
    }

    /**
     * Opens a replication link as this task's current one (blocking until it ends), unless a stop
     * came first: a stop that arrived before the link existed could not close it, and the link
     * would then follow the source forever. Publishing the link before reading the flag (both
     * volatile) means either {@link #stop} sees the link or this sees the stop.
     */
    protected void openReplicator(Replicator rep) throws IOException {
        replicator = rep;
        if (stopRequested) {
            closeReplicator();
            return;
        }
        rep.open();
    }

    protected void closeReplicator() {
        Replicator r = replicator;
        if (r != null) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.debugf("closing the replication: %s", e.toString());
            }
        }
    }
}

package dev.redismigrate.worker;

import com.moilioncircle.redis.replicator.Replicator;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisConnector;
import java.io.IOException;
import java.util.UUID;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * What the snapshot copy and the stream replay share: a task of one migration attempt that reads
 * its source as a replica, reports events, and stops by closing that replication link.
 */
public abstract class ReplicaTask implements MigrationTask {
    private static final Logger LOG = Logger.getLogger(ReplicaTask.class);

    private final UUID migrationId;
    private final int attempt;
    protected final RedisConnector connector;
    protected final Consumer<MigrationEvent> events;
    protected volatile boolean stopRequested;
    /** the current replication link, closed to stop */
    protected volatile Replicator replicator;

    protected ReplicaTask(UUID migrationId, int attempt, RedisConnector connector, Consumer<MigrationEvent> events) {
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.connector = connector;
        this.events = events;
    }

    @Override
    public UUID migrationId() {
        return migrationId;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public void stop() {
        stopRequested = true;
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

    protected MigrationEvent event(EventType type) {
        return MigrationEvent.of(migrationId, attempt, type, WorkerIdentity.name());
    }
}

package dev.redismigrate.snapshot;

import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.PostRdbSyncEvent;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryWriter;
import dev.redismigrate.common.pipeline.ShardedEntryWriter;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.ServerRelease;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.common.value.MigratedDbs;
import dev.redismigrate.common.value.RestoreCommand;
import dev.redismigrate.worker.MigrationThreads;
import dev.redismigrate.worker.ReplicaTask;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Copies a source's dataset into the target the way a replica would: a full sync (PSYNC) hands
 * over a consistent RDB, each key is restored in the target with its absolute expiry, and the
 * copy ends at the replication offset where the stream worker must continue.
 */
public final class SnapshotCopier extends ReplicaTask {
    private static final Logger LOG = Logger.getLogger(SnapshotCopier.class);

    private final SnapshotRequest request;
    private final SnapshotConfig config;
    private final CheckpointLog checkpoints;

    private volatile Throwable failure;
    private volatile ReplicationOffset endOffset;
    private volatile long keysTotal;
    private volatile long keysCopied;
    /** holds the copy to the migration's limits.keys_per_second */
    private final Pacer keysPacer;

    public SnapshotCopier(SnapshotRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            CheckpointLog checkpoints, SnapshotConfig config) {
        super(request.migrationId(), request.attempt(), connector, events);
        keysPacer = MigrationPacers.keys(request.migrationId());
        this.request = request;
        this.checkpoints = checkpoints;
        this.config = config;
    }

    @Override
    public void run() {
        try (RedisLink source = connector.open(request.source(), "redis-migrate-snapshot");
             RedisLink target = connector.open(request.target(), "redis-migrate-snapshot-setup")) {
            ServerRelease sourceRelease = source.release();
            ServerRelease targetRelease = target.release();
            if (!targetRelease.loads(sourceRelease)) {
                fail("the source runs " + sourceRelease + " (RDB version " + sourceRelease.rdbVersion() + "), which the "
                        + "target's " + targetRelease + " (RDB version " + targetRelease.rdbVersion() + ") cannot load: "
                        + "use the scan method or a newer target");
                return;
            }
            keysTotal = Keyspace.keysOutside(source.info("keyspace"), request.ignoreDbs());
            String backlogNote = ensureBacklog(source);
            if (request.attempt() > 1) {
                emptyMigratedDbs(target);
            }
            publish(event(EventType.SNAPSHOT_STARTED).withCopy(0, keysTotal, 0).withMessage(backlogNote));
            copyUntilDone(target);
        } catch (RedisAccessException e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "migration %s: snapshot failed", request.migrationId());
            fail("snapshot failed: " + e.getMessage());
        }
    }

    /**
     * Copies; a round that the source cut short (it closed the link, a network cut) starts over
     * from an emptied target and a new RDB, with backoff, for {@code source-retry-for}. The next
     * RDB may lack keys the cut round copied (deleted since), so appending to that round is wrong.
     */
    private void copyUntilDone(RedisLink target) {
        long retryUntil = System.nanoTime() + config.sourceRetryFor().toNanos();
        long backoffMillis = 500;
        while (true) {
            long bytes = copy();
            if (stopRequested || failure instanceof TargetWriteException || failure instanceof UnreadableValueException
                    || (failure == null && endOffset != null)
                    || System.nanoTime() > retryUntil) {
                report(bytes);
                return;
            }
            String reason = failure == null ? "the source ended the replication before its snapshot was complete"
                    : describe(failure);
            LOG.warnf("migration %s: %s; copying again from an emptied target in %d ms", request.migrationId(), reason,
                    backoffMillis);
            if (!pause(backoffMillis)) {
                report(bytes);
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, 10_000);
            failure = null;
            keysCopied = 0;
            emptyMigratedDbs(target);
            publish(event(EventType.SNAPSHOT_STARTED).withCopy(0, keysTotal, 0)
                    .withMessage(reason + "; copying again from an emptied target"));
        }
    }

    /** @return false when a stop came meanwhile */
    private boolean pause(long millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!stopRequested && System.nanoTime() < until) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopRequested;
    }

    /** One round: a full sync, every key restored; @return the bytes written */
    private long copy() {
        ShardedEntryWriter writer = openWriters();
        // a heartbeat even while the source is still writing its RDB: silence means a dead worker
        ScheduledExecutorService progress = MigrationThreads.timer("snapshot-progress");
        progress.scheduleWithFixedDelay(() -> publish(event(EventType.SNAPSHOT_PROGRESS)
                .withCopy(keysCopied, Math.max(keysTotal, keysCopied), writer.bytesApplied())), 1, 1, TimeUnit.SECONDS);
        try {
            replicate(writer);
        } finally {
            progress.shutdownNow();
            writer.close();
        }
        return writer.bytesApplied();
    }

    /**
     * Keys are independent within a snapshot, so they are restored over several connections at
     * once, each key always by the same one (its chunks stay in order).
     */
    private ShardedEntryWriter openWriters() {
        List<EntryWriter> writers = new ArrayList<>();
        try {
            for (int i = 0; i < config.writers(); i++) {
                writers.add(new EntryWriter(connector.open(request.target(), "redis-migrate-snapshot"),
                        config.pipelineCommands(), config.pipelineBytes().asLongValue(), 60_000));
            }
        } catch (RuntimeException e) {
            writers.forEach(EntryWriter::close);
            throw e;
        }
        return new ShardedEntryWriter(writers, config.queuedBytes().asLongValue(), MigrationThreads.factory("snapshot-writer"),
                () -> stopRequested, entry -> {
                    if (RestoreCommand.is(entry.argv())) {
                        ChunkingRdbVisitor.seal(RestoreCommand.payload(entry.argv()));
                    }
                });
    }

    private void replicate(ShardedEntryWriter writer) {
        Replicator rep = SourceReplicas.replicaOf(request.source(), connector, List.of(), null, 10_000);
        rep.setRdbVisitor(new ChunkingRdbVisitor(rep, config.bigValue().asLongValue(),
                (int) Math.min(Integer.MAX_VALUE, config.chunk().asLongValue()), (db, key, command) -> {
                    if (!request.ignoreDbs().contains(db)) {
                        // a refusal ends the parse here, in the middle of the value
                        writeOrFail(writer, key, new Entry(db, command, -1));
                    }
                }));
        rep.addEventListener((r, event) -> {
            if (stopRequested || failure != null) {
                return;
            }
            try {
                if (event instanceof DumpKeyValuePair kv) {
                    int db = (int) kv.getDb().getDbNumber();
                    if (!request.ignoreDbs().contains(db)) {
                        byte[][] restore = RestoreCommand.of(kv.getKey(), kv.getValue(), kv.getExpiredMs());
                        writer.write(shardOf(kv.getKey(), writer.shards()), new Entry(db, restore, -1));
                        keysCopied++;
                        keysPacer.acquire(1); // limits.keys_per_second
                    }
                } else if (event instanceof ChunkingRdbVisitor.ChunkedKey kv) {
                    if (!request.ignoreDbs().contains((int) kv.getDb().getDbNumber())) {
                        keysCopied++;
                        keysPacer.acquire(1); // limits.keys_per_second
                    }
                } else if (event instanceof PostRdbSyncEvent) {
                    writer.flush();
                } else if (event instanceof PreCommandSyncEvent) {
                    // the library records the FULLRESYNC id and offset only once the RDB is read
                    Configuration c = r.getConfiguration();
                    endOffset = new ReplicationOffset(c.getReplId(), c.getReplOffset(), -1);
                    closeReplicator();
                }
            } catch (TargetWriteException e) {
                if (!stopRequested) {
                    failure = e;
                }
                closeReplicator();
            }
        });
        rep.addExceptionListener((r, t, event) -> {
            if (failure == null) {
                failure = t;
            }
            closeReplicator();
        });
        try {
            openReplicator(rep);
        } catch (Throwable t) {
            if (failure == null && !stopRequested && endOffset == null) {
                failure = t;
            }
        }
    }

    private void writeOrFail(ShardedEntryWriter writer, byte[] key, Entry entry) {
        try {
            writer.write(shardOf(key, writer.shards()), entry);
        } catch (TargetWriteException e) {
            if (!stopRequested && failure == null) {
                failure = e;
            }
            throw e;
        }
    }

    private static int shardOf(byte[] key, int shards) {
        return Math.floorMod(Arrays.hashCode(key), shards);
    }

    private void report(long bytesApplied) {
        if (stopRequested) {
            publish(event(EventType.STOPPED).withCopy(keysCopied, keysTotal, bytesApplied));
        } else if (failure != null) {
            fail(describe(failure));
        } else if (endOffset == null) {
            fail("the source ended the replication before its snapshot was complete");
        } else {
            // the stream starts here, and not from a checkpoint an earlier copy's stream left in the log
            checkpoints.record(request.migrationId(), new StreamCheckpoint(request.attempt(), endOffset));
            LOG.infof("migration %s: snapshot of %d keys complete at offset %s", request.migrationId(), keysCopied, endOffset);
            publish(event(EventType.SNAPSHOT_COMPLETED).withCopy(keysCopied, keysTotal, bytesApplied).withOffset(endOffset));
        }
    }

    /**
     * Writes made during the copy wait in the source's backlog until the stream worker reads them;
     * a backlog too small for them would force a second full copy.
     */
    private String ensureBacklog(RedisLink source) {
        long wanted = config.sourceBacklog().asLongValue();
        try {
            Object reply = source.call("CONFIG", "GET", "repl-backlog-size");
            long current = reply instanceof List<?> l && l.size() == 2 ? Long.parseLong(String.valueOf(l.get(1))) : 0;
            if (current < wanted) {
                source.call("CONFIG", "SET", "repl-backlog-size", Long.toString(wanted));
                return "raised the source's repl-backlog-size from " + current + " to " + wanted + " bytes";
            }
            return null;
        } catch (RedisAccessException e) {
            return "could not check the source's repl-backlog-size (" + e.getMessage()
                    + "); heavy writes during the copy may force a new full copy";
        }
    }

    /**
     * A new attempt starts from an empty target: keys copied by the earlier attempt may since have
     * been deleted on the source, and a copy only adds.
     */
    private void emptyMigratedDbs(RedisLink target) {
        MigratedDbs.empty(target, request.ignoreDbs());
        LOG.infof("migration %s: attempt %d emptied the migrated dbs of the target first", request.migrationId(), request.attempt());
    }

    private String describe(Throwable t) {
        if (t instanceof TargetWriteException) {
            return t.getMessage(); // it names the target
        }
        String reason = t instanceof java.io.EOFException ? "the source closed the replication link"
                : SourceReplicas.reason(t);
        return "snapshot from " + request.source().address() + " failed: " + reason;
    }

    private void fail(String reason) {
        LOG.errorf("migration %s: %s", request.migrationId(), reason);
        publish(event(EventType.FAILED).withMessage(reason));
    }

    private void publish(MigrationEvent event) {
        events.accept(event);
    }

    @Override
    public Map<String, RedisEndpoint> endpoints() {
        return Map.of("source", request.source(), "target", request.target());
    }
}

package dev.redismigrate.snapshot;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.PostRdbSyncEvent;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntrySink;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.pipeline.SocketEntryWriter;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.ShardedEntryWriter;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.ServerRelease;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.common.value.MigratedDbs;
import dev.redismigrate.common.value.RestoreCommand;
import dev.redismigrate.snapshot.spool.Spool;
import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.worker.ReplicaTask;
import dev.redismigrate.worker.changelog.ChangeLog;
import dev.redismigrate.worker.changelog.ChangeLogAppender;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    /** which keys go where (ignore_dbs, key filters, db_map) */
    private final MigratedKeys migratedKeys;
    private final SnapshotConfig config;
    private final CheckpointLog checkpoints;

    private final ChangeLog changeLog;
    private List<String> commandNames = List.of();

    private volatile Throwable failure;
    private volatile Replicator spoolParser;
    private volatile boolean rdbApplied;
    /** the target's writers of the current round, replaced when the target's connections broke */
    private volatile ShardedEntryWriter writer;
    private final List<SocketEntryWriter> writerLinks = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile long bytesOfEarlierWriters;
    private volatile ReplicationOffset endOffset;
    private volatile long keysTotal;
    private volatile long keysCopied;
    /** the target is a Redis Cluster: writes are routed by slot ({@link TargetSinks}) */
    private boolean targetIsCluster;
    /** holds the copy to the migration's limits.keys_per_second */
    private final Pacer keysPacer;

    public SnapshotCopier(SnapshotRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            CheckpointLog checkpoints, ChangeLog changeLog, SnapshotConfig config) {
        super(request.migrationId(), request.attempt(), request.source(), request.target(), connector, events);
        keysPacer = MigrationPacers.keys(request.migrationId());
        this.request = request;
        this.migratedKeys = request.migratedKeys();
        this.checkpoints = checkpoints;
        this.changeLog = changeLog;
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
            targetIsCluster = TargetSinks.isCluster(target);
            commandNames = SourceReplicas.commandNames(source);
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
                    || failure instanceof Spool.SpoolFullException
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
            rdbApplied = false;
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
        bytesOfEarlierWriters = 0;
        writer = openWriters();
        // a heartbeat even while the source is still writing its RDB: silence means a dead worker
        ScheduledExecutorService progress = MigrationThreads.timer("snapshot-progress");
        progress.scheduleWithFixedDelay(() -> publish(event(EventType.SNAPSHOT_PROGRESS)
                .withCopy(keysCopied, Math.max(keysTotal, keysCopied), bytesApplied())), 1, 1, TimeUnit.SECONDS);
        try {
            replicate();
        } finally {
            progress.shutdownNow();
            writer.close();
        }
        return bytesApplied();
    }

    private long bytesApplied() {
        return bytesOfEarlierWriters + writer.bytesApplied();
    }

    /**
     * Keys are independent within a snapshot, so they are restored over several connections at
     * once, each key always by the same one (its chunks stay in order).
     */
    private ShardedEntryWriter openWriters() {
        List<EntrySink> writers = new ArrayList<>();
        writerLinks.clear();
        try {
            for (int i = 0; i < config.writers(); i++) {
                if (targetIsCluster) { // each writer thread routes its keys to every master
                    writers.add(TargetSinks.open(connector, request.target(), true, "redis-migrate-snapshot",
                            config.pipelineCommands(), config.pipelineBytes().asLongValue(), 60_000));
                    continue;
                }
                SocketEntryWriter direct = new SocketEntryWriter(connector.openSocket(request.target(), "redis-migrate-snapshot",
                        60_000), config.pipelineCommands(), config.pipelineBytes().asLongValue());
                writerLinks.add(direct);
                writers.add(direct);
            }
        } catch (RuntimeException e) {
            writers.forEach(EntrySink::close);
            throw e;
        }
        return new ShardedEntryWriter(writers, config.queuedBytes().asLongValue(), MigrationThreads.factory("snapshot-writer"),
                () -> stopRequested, entry -> {
                    if (RestoreCommand.is(entry.argv())) {
                        ChunkingRdbVisitor.seal(RestoreCommand.payload(entry.argv()));
                    }
                });
    }

    /**
     * The capture reads the link at network speed into the spool and the change log (its own
     * thread); this thread restores the spooled RDB at the target's pace, reading it while it is
     * still being written. The link stays open until the RDB is applied, so that every command the
     * source sends meanwhile is in the change log rather than in the source's output buffer.
     */
    private void replicate() {
        changeLog.reset(request.migrationId());
        try (Spool spool = new Spool(Path.of(config.spoolDirectory()), config.spoolBudget().asLongValue());
             ChangeLogAppender log = changeLog.appender(request.migrationId())) {
            Replicator link = SourceReplicas.replicaOf(request.source(), connector, commandNames, null, 10_000);
            SnapshotCapture capture = new SnapshotCapture(link, spool, log, this::openReplicator);
            capture.start();
            try {
                applyUntilDone(spool);
                if (failure == null && !stopRequested) {
                    endOffset = capture.awaitRdbOffset();
                }
            } finally {
                capture.close();
            }
            if (!rdbApplied && !stopRequested && capture.failure() != null
                    && !(failure instanceof TargetWriteException || failure instanceof UnreadableValueException)) {
                failure = capture.failure(); // why the spool ended early: the link's reason
            }
        } catch (RuntimeException e) {
            if (failure == null && !stopRequested) {
                failure = e;
            }
        }
    }

    /**
     * Applies the spool; when the target's connections broke meanwhile (a proxy restart, a
     * failover), reconnects with backoff for {@code target-retry-for} and applies the spool again
     * from its start: {@code RESTORE … REPLACE} and the chunked rebuilds (which begin with a DEL)
     * are idempotent, and a target that came back empty gets the whole snapshot again. The capture
     * goes on meanwhile, so the source does not notice.
     */
    private void applyUntilDone(Spool spool) {
        while (true) {
            applySpool(spool, writer);
            if (!(failure instanceof TargetWriteException) || stopRequested || config.targetRetryFor().isZero()
                    || writerLinks.stream().allMatch(SocketEntryWriter::isOpen)) {
                return;
            }
            String reason = failure.getMessage();
            LOG.warnf("migration %s: %s; reconnecting to the target, then applying the spooled RDB again", request.migrationId(),
                    reason);
            long until = System.nanoTime() + config.targetRetryFor().toNanos();
            long backoffMillis = 200;
            while (true) {
                if (!pause(backoffMillis)) {
                    return;
                }
                try {
                    ShardedEntryWriter next = openWriters();
                    bytesOfEarlierWriters += writer.bytesApplied();
                    writer.close();
                    writer = next;
                    break;
                } catch (RedisAccessException e) {
                    if (System.nanoTime() > until) {
                        failure = new TargetWriteException("lost the target " + request.target().address() + " for more than "
                                + config.targetRetryFor().toSeconds() + " s: " + reason);
                        return;
                    }
                }
                backoffMillis = Math.min(backoffMillis * 2, 5_000);
            }
            failure = null;
            rdbApplied = false;
            keysCopied = 0;
        }
    }

    /** Parses the spool with the chunking visitor and restores each key, as a replica loads its RDB. */
    private void applySpool(Spool spool, ShardedEntryWriter writer) {
        Replicator rep;
        try {
            rep = new SpoolParser(spool.reader());
        } catch (java.io.IOException e) {
            failure = e;
            return;
        }
        spoolParser = rep;
        SnapshotWrites writes = new SnapshotWrites(writer);
        rep.setRdbVisitor(new ChunkingRdbVisitor(rep, config.bigValue().asLongValue(),
                (int) Math.min(Integer.MAX_VALUE, config.chunk().asLongValue()), (db, key, command) -> {
                    if (migratedKeys.selects(db, key)) {
                        // a refusal ends the parse here, in the middle of the value
                        writeOrFail(writer, key, new Entry(migratedKeys.targetDb(db), command, -1));
                    }
                }));
        rep.addEventListener((r, event) -> {
            if (stopRequested || failure != null) {
                return;
            }
            try {
                if (event instanceof DumpKeyValuePair kv) {
                    int db = (int) kv.getDb().getDbNumber();
                    if (migratedKeys.selects(db, kv.getKey())) {
                        writes.write(migratedKeys.targetDb(db), kv.getKey(), kv.getValue(), kv.getExpiredMs());
                        keysCopied++;
                        keysPacer.acquire(1); // limits.keys_per_second
                    }
                } else if (event instanceof ChunkingRdbVisitor.ChunkedKey kv) {
                    if (migratedKeys.selects((int) kv.getDb().getDbNumber(), kv.getKey())) {
                        keysCopied++;
                        keysPacer.acquire(1); // limits.keys_per_second
                    }
                } else if (event instanceof PostRdbSyncEvent) {
                    writes.flush();
                    writer.flush();
                    rdbApplied = true;
                }
            } catch (TargetWriteException e) {
                if (!stopRequested) {
                    failure = e;
                }
                closeQuietly(r);
            }
        });
        rep.addExceptionListener((r, t, event) -> {
            if (failure == null) {
                failure = t;
            }
            closeQuietly(r);
        });
        try {
            if (!stopRequested) {
                rep.open();
            }
        } catch (Throwable t) {
            if (failure == null && !stopRequested) {
                failure = t;
            }
        }
        if (failure == null && !stopRequested && !rdbApplied) {
            failure = new java.io.EOFException("the RDB ended early");
        }
    }

    @Override
    public void stop() {
        super.stop();
        Replicator parser = spoolParser;
        if (parser != null) {
            closeQuietly(parser);
        }
    }

    private static void closeQuietly(Replicator r) {
        try {
            r.close();
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debugf("closing the RDB parser: %s", e.toString());
        }
    }

    private void writeOrFail(ShardedEntryWriter writer, byte[] key, Entry entry) {
        try {
            writer.write(SnapshotWrites.shardOf(key, writer.shards()), entry);
        } catch (TargetWriteException e) {
            if (!stopRequested && failure == null) {
                failure = e;
            }
            throw e;
        }
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
            checkpoints.record(request.migrationId(), request.shard(), new StreamCheckpoint(request.attempt(), endOffset));
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
        java.time.Duration timeout = java.time.Duration.ofMinutes(1);
        java.util.BitSet slots = request.shard() == null ? null : SlotRange.parse(request.slots());
        if (targetIsCluster) { // every master; a cluster source's shard: only its slots
            MigratedDbs.emptyCluster(connector, request.target(), migratedKeys, 0, 1, slots, request.migrationId(),
                    request.shard(), timeout);
        } else if (slots != null) { // a cluster source's shard: the other shards' keys stay
            MigratedDbs.emptySlots(target, migratedKeys, slots, request.migrationId(), request.shard(), timeout);
        } else {
            MigratedDbs.empty(target, migratedKeys, timeout);
        }
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
}

package dev.redismigrate.snapshot;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.pipeline.TargetLostException;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.ShardedEntryWriter;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.redis.ServerRelease;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.common.value.MigratedDbs;
import dev.redismigrate.common.value.RestoreCommand;
import dev.redismigrate.snapshot.replicaload.ReplicaLoad;
import dev.redismigrate.snapshot.spool.Spool;
import dev.redismigrate.worker.Backoff;
import dev.redismigrate.worker.ReplicaTask;
import dev.redismigrate.worker.Ticker;
import dev.redismigrate.worker.changelog.ChangeLog;
import dev.redismigrate.worker.changelog.ChangeLogAppender;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    /** why the current round (a full sync, or an apply of the spool) ended early */
    private volatile Throwable failure;
    /** the current round's reader of the spool, closed to stop */
    private volatile SpoolReader spoolReader;
    private volatile boolean rdbApplied;
    /** the target's writers of the current round, replaced when the target's connections broke */
    private volatile ShardedEntryWriter writer;
    private final SnapshotWriters targetWriters;
    private volatile long bytesOfEarlierWriters;
    private volatile ReplicationOffset endOffset;
    private volatile long keysTotal;
    private volatile long keysCopied;
    /** the target's SET takes PXAT: an expiring plain string is written by SET, not RESTORE ({@link SnapshotWrites}) */
    private boolean setPxat;
    /** the target is a Redis Cluster: writes are routed by slot ({@link TargetSinks}) */
    private boolean targetIsCluster;
    /** holds the copy to the migration's limits.keys_per_second */
    private final Pacer keysPacer;
    /** snapshot_load replica: the target loads the spool itself (null: restored key by key) */
    private ReplicaLoad replicaLoad;

    public SnapshotCopier(SnapshotRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            CheckpointLog checkpoints, ChangeLog changeLog, SnapshotConfig config) {
        super(request.migrationId(), request.attempt(), request.source(), request.target(), connector, events);
        keysPacer = MigrationPacers.keys(request.migrationId());
        this.request = request;
        this.migratedKeys = request.migratedKeys();
        this.checkpoints = checkpoints;
        this.changeLog = changeLog;
        this.config = config;
        this.targetWriters = new SnapshotWriters(connector, request, config, "snapshot");
    }

    @Override
    protected String what() {
        return "snapshot";
    }

    @Override
    protected void work() {
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
            setPxat = targetRelease.setTakesPxat();
            if (request.loadsAsReplica()) {
                replicaLoad = new ReplicaLoad(connector, request.target(), request.migrationId(), config.replicaLoadHost(),
                        config.targetRetryFor());
                String refusal = targetIsCluster ? "snapshot_load replica needs a standalone target" : replicaLoad.refusal(
                        target, request.attempt() == 1, Keyspace.keysPerDb(source.info("keyspace")));
                if (refusal != null) {
                    fail(refusal);
                    return;
                }
            }
            commandNames = SourceReplicas.commandNames(source);
            keysTotal = Keyspace.keysOutside(source.info("keyspace"), request.ignoreDbs());
            String backlogNote = ensureBacklog(source);
            if (request.attempt() > 1 && replicaLoad == null) { // a replica's load replaces everything anyway
                emptyMigratedDbs(target);
            }
            publish(event(EventType.SNAPSHOT_STARTED).withCopy(0, keysTotal, 0).withMessage(backlogNote));
            copyUntilDone(target);
        }
    }

    /**
     * Copies; a round that the source cut short (it closed the link, a network cut) starts over
     * from an emptied target and a new RDB, with backoff, for {@code source-retry-for}. The next
     * RDB may lack keys the cut round copied (deleted since), so appending to that round is wrong.
     */
    private void copyUntilDone(RedisLink target) {
        Backoff backoff = backoff(Duration.ofMillis(500), Duration.ofSeconds(10), config.sourceRetryFor());
        while (true) {
            long bytes = copy();
            if (stopRequested || failure instanceof TargetWriteException || failure instanceof UnreadableValueException
                    || failure instanceof Spool.SpoolFullException
                    || (failure == null && endOffset != null)
                    || backoff.exhausted()) {
                report(bytes);
                return;
            }
            String reason = failure == null ? "the source ended the replication before its snapshot was complete"
                    : describe(failure);
            LOG.warnf("migration %s: %s; copying again from an emptied target in %d ms", request.migrationId(), reason,
                    backoff.nextMillis());
            if (!backoff.pause()) {
                report(bytes);
                return;
            }
            failure = null;
            rdbApplied = false;
            keysCopied = 0;
            if (replicaLoad == null) {
                emptyMigratedDbs(target);
            }
            publish(event(EventType.SNAPSHOT_STARTED).withCopy(0, keysTotal, 0)
                    .withMessage(reason + "; copying again from an emptied target"));
        }
    }

    /** One round: a full sync, every key restored; @return the bytes written */
    private long copy() {
        bytesOfEarlierWriters = 0;
        writer = replicaLoad == null ? openWriters() : null;
        // a heartbeat even while the source is still writing its RDB: silence means a dead worker
        try (Ticker progress = new Ticker("snapshot-progress").every(Duration.ofSeconds(1), () -> publish(
                event(EventType.SNAPSHOT_PROGRESS).withCopy(keysCopied, Math.max(keysTotal, keysCopied), bytesApplied())))) {
            replicate();
        } finally {
            if (writer != null) {
                writer.close();
            }
        }
        return bytesApplied();
    }

    private long bytesApplied() {
        return replicaLoad != null ? replicaLoad.bytesServed() : bytesOfEarlierWriters + writer.bytesApplied();
    }

    /**
     * Keys are independent within a snapshot, so they are restored over several connections at
     * once, each key always by the same one (its chunks stay in order).
     */
    private ShardedEntryWriter openWriters() {
        return targetWriters.open(targetIsCluster, () -> stopRequested, entry -> {
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
            SnapshotCapture capture = new SnapshotCapture(
                    rdb -> SourceReplicas.fullSync(request.source(), connector, commandNames, rdb, 10_000), spool, log,
                    this::openReplicator);
            capture.start();
            try {
                if (replicaLoad != null) {
                    loadAsReplica(spool, capture);
                } else {
                    applyUntilDone(spool);
                }
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
        int noAnswers = 0;
        while (true) {
            applySpool(spool, writer);
            // a cluster target says a lost node by its exception; a standalone one by a writer's closed socket
            boolean lost = targetIsCluster ? failure instanceof TargetLostException
                    : failure instanceof TargetWriteException && !targetWriters.connected();
            // a reply later than the timeout breaks its connection too; a target that keeps doing so is no blip
            if (!lost || stopRequested || config.targetRetryFor().isZero() || RespSocket.noAnswer(failure) && ++noAnswers > 2) {
                return;
            }
            String reason = failure.getMessage();
            LOG.warnf("migration %s: %s; reconnecting to the target, then applying the spooled RDB again", request.migrationId(),
                    reason);
            Backoff backoff = backoff(Duration.ofMillis(200), Duration.ofSeconds(5), config.targetRetryFor());
            while (true) {
                if (!backoff.pause()) {
                    return;
                }
                try {
                    ShardedEntryWriter next = openWriters();
                    bytesOfEarlierWriters += writer.bytesApplied();
                    writer.close();
                    writer = next;
                    break;
                } catch (RedisAccessException | TargetLostException e) {
                    if (backoff.exhausted()) {
                        failure = new TargetWriteException("lost the target " + request.target().address() + " for more than "
                                + config.targetRetryFor().toSeconds() + " s: " + reason);
                        return;
                    }
                }
            }
            failure = null;
            rdbApplied = false;
            keysCopied = 0;
        }
    }

    /**
     * snapshot_load replica: the target loads the spool itself ({@link ReplicaLoad}); ends early,
     * the target detached, on a stop or when the capture failed (the spool will not be complete).
     */
    private void loadAsReplica(Spool spool, SnapshotCapture capture) {
        try {
            // a link lost after the whole RDB came leaves the spool complete: the load goes on, as the restore's
            long keys = replicaLoad.load(spool, () -> stopRequested || capture.failure() != null && capture.rdbOffset() == null);
            if (keys >= 0) {
                keysCopied = keys;
                rdbApplied = true;
            }
        } catch (ReplicaLoad.LoadFailure e) {
            if (!stopRequested && failure == null) {
                failure = new TargetWriteException(e.getMessage());
            }
        }
    }

    /** Reads the spool ({@link SpoolReader}) and restores each key, as a replica loads its RDB. */
    private void applySpool(Spool spool, ShardedEntryWriter writer) {
        SpoolReader reader;
        try {
            reader = new SpoolReader(spool.reader(), migratedKeys, config.bigValue().asLongValue(),
                    (int) Math.min(Integer.MAX_VALUE, config.chunk().asLongValue()), keysPacer);
        } catch (java.io.IOException e) {
            failure = e;
            return;
        }
        spoolReader = reader;
        SnapshotWrites writes = new SnapshotWrites(writer, setPxat);
        try (reader) {
            boolean ended = pump(reader, batch -> write(batch, writes, writer), Duration.ofMillis(100));
            if (!ended || failure != null || stopRequested) {
                return;
            }
            if (reader.failure() != null) {
                failure = reader.failure();
            } else if (!reader.complete()) {
                // The library ends a parse quietly at any EOFException: the input's end (a value read as longer than
                // the RDB holds) or a value's own bytes read wrongly. A broken link or spool is no such end (the spool
                // raises Spool.IncompleteException), so a parse that ended is the RDB's, which a new snapshot would
                // hold again; one that did not end was interrupted (the worker shutting down): copied again.
                failure = reader.parseEnded() ? new UnreadableValueException("the source's RDB could not be parsed (its"
                        + " parse ended before the RDB's end); the copy stopped rather than skip what follows")
                        : new java.io.EOFException("the copy was interrupted before the RDB's end");
            } else {
                writes.flush();
                writer.flush();
                rdbApplied = true;
            }
        } catch (TargetWriteException e) {
            if (!stopRequested && failure == null) {
                failure = e;
            }
        }
    }

    /**
     * A whole key (a RESTORE) goes through {@link SnapshotWrites} (plain strings join an MSET); a big
     * value's chunk commands go straight to the writer of their key. A refusal ends the round.
     */
    private void write(EntryBatch<Void> batch, SnapshotWrites writes, ShardedEntryWriter writer) {
        try {
            for (Entry entry : batch.entries()) {
                byte[][] argv = entry.argv();
                if (RestoreCommand.is(argv)) {
                    writes.write(entry.db(), argv); // as read: no second RESTORE built
                } else {
                    writer.write(writer.shardOf(argv[1]), entry);
                }
            }
            keysCopied += batch.keys();
        } catch (TargetWriteException e) {
            if (!stopRequested && failure == null) {
                failure = e;
            }
        }
    }

    /** Between batches of the spool: whether to read on (not once stopped or the round failed). */
    @Override
    protected boolean pumping() {
        return !stopRequested && failure == null;
    }

    @Override
    public void stop() {
        super.stop();
        SpoolReader reader = spoolReader;
        if (reader != null) {
            reader.abort();
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
            MigratedDbs.emptyCluster(connector, request.target(), targetWriters.knownNodes(), migratedKeys, 0, 1, slots, request.migrationId(),
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
}

package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import com.moilioncircle.redis.replicator.Replicator;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.cluster.CommandKeys;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.cluster.ClusterWriteException;
import dev.redismigrate.common.pipeline.SocketEntryWriter;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.worker.Backoff;
import dev.redismigrate.stream.failover.StreamSource;
import dev.redismigrate.worker.ReplicaTask;
import dev.redismigrate.worker.Ticker;
import dev.redismigrate.worker.changelog.ChangeLog;
import dev.redismigrate.worker.changelog.ChangeLogAppender;
import dev.redismigrate.worker.changelog.ChangeLogEntryReader;
import dev.redismigrate.worker.changelog.ChangeLogPosition;
import dev.redismigrate.worker.changelog.ReadRecords;
import dev.redismigrate.worker.changelog.SentRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Follows the source from where the target's checkpoint (or else the request) says, in two stages
 * with the migration's change log (Kafka) between them: the {@link StreamCapture} reads the source's
 * replication link at network speed into the log, this task's thread applies the log to the target
 * in source order, in checkpointed transactions ({@link CheckpointedApplier}), at the target's pace.
 * A slow target thus costs change-log space, never the source's output buffer or backlog. A lost
 * source is reconnected from the last captured offset; a source that can no longer serve it fails
 * the stream rather than silently starting over; a newer attempt found in the target ends this one.
 * The log is trimmed behind the applied checkpoint and deleted when the stream stops.
 */
public final class StreamReplayer extends ReplicaTask {
    private static final Logger LOG = Logger.getLogger(StreamReplayer.class);
    private static final long CHECKPOINT_REMOVAL_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long TRIM_EVERY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final StreamRequest request;
    private final CheckpointLog checkpointLog;
    private final ChangeLog changeLog;
    private final StreamConfig config;
    /** which keys go where (ignore_dbs, key filters, db_map) */
    private final MigratedKeys migratedKeys;
    /** with key filters: the source's link that says where a command's keys are (the apply thread's own) */
    private SourceKeyTable keysSource;
    /** how long one check of a reconnected target's link waits for its reply (see {@link #lostSinceReconnect}) */
    private static final Duration RECONNECT_CHECK_WAIT = Duration.ofSeconds(5);

    private volatile boolean superseded;
    /** why the source answered our PSYNC with a full sync: the stream cannot go on */
    private volatile String offsetLost;
    /** set when an older attempt had moved the checkpoint: the apply starts there again */
    private volatile ReplicationOffset restartFrom;
    private volatile boolean announced;
    /** Guarded by {@code lock}: the source position of the last command handled (applied or skipped). */
    private ReplicationOffset handled;
    /** Guarded by {@code lock}: records read, by Kafka offset and the source offset they end at (for trimming). */
    private final ReadRecords readRecords = new ReadRecords();
    /** Guarded by {@code lock}: when the record being applied was appended (0: caught up). */
    private long applyingSinceMillis;
    /** written by the progress timer only */
    private volatile long trimmedBefore;
    /**
     * Guarded by {@code lock}: the position was taken from a checkpoint (a claim), and the first record read after
     * it was not checked yet to continue from there (see {@link #continuesFromHandled})
     */
    private boolean continuityUnchecked;
    /** when a standalone target last showed a replica (see {@link CheckpointedApplier#durable()}), across reconnects */
    private final AtomicLong targetReplicaSeen = new AtomicLong();
    /** when the last report went out, for the heartbeat */
    private volatile long lastReportNanos;
    /** the target's replies that came later than the timeout since the stream last advanced */
    private final AtomicInteger noAnswers = new AtomicInteger();
    /** the progress timer's: the offset of its last report */
    private long reportedOffset = -1;
    private long lastTrimNanos = System.nanoTime();
    /**
     * Guards the apply state below (the applier is replaced when the target comes back). Fair: the
     * apply thread takes it for each record, back to back while it catches up (from memory, without
     * a fetch in between), and an unfair lock left the progress timer waiting until the apply was
     * idle, so the reported apply lag read 0 all through a backlog.
     */
    private final ReentrantLock lock = new ReentrantLock(true);
    private volatile StreamApplier applier;
    /** closes an open batch: {@link #closeBatch} */
    private Ticker.Deadline batchDeadline;
    /** the target is a Redis Cluster: the apply routes by slot, a checkpoint per master ({@link ClusterCheckpointedApplier}) */
    private boolean targetIsCluster;
    /** the target's connection of the current applier */
    private volatile RedisLink targetLink;
    /** why the target's connection was lost: the apply reconnects (set: the applier is unusable) */
    private volatile String targetLost;
    private CommandRouter router;
    private ChangeLogAppender appender;
    /** the apply thread's: the change log it reads, and the capture that fills it */
    private ChangeLogEntryReader reader;
    private Thread capture;
    /** the apply thread's, on a stop: what the capture had appended, applied before the task ends */
    private ChangeLogPosition drainTo;
    /** the apply thread's: the log holds nothing beyond what was applied (on a stop) */
    private boolean drained;
    private int checkpointDb;
    /** FLUSHALL or FLUSHDB, any case (told by its length and first letter first: asked of every command applied) */
    private static boolean isFlush(byte[] name) {
        return (name.length == 7 || name.length == 8) && (name[0] == 'F' || name[0] == 'f')
                && new String(name, StandardCharsets.US_ASCII).toUpperCase(java.util.Locale.ROOT).startsWith("FLUSH");
    }

    /** guarded by {@code lock} */
    private final IdleTargetWatch idleWatch;
    /** a cluster source's shard's slots, to which its flushes are narrowed (null: the whole source's; ShardFlush) */
    private final BitSet shardSlots;

    public StreamReplayer(StreamRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            CheckpointLog checkpointLog, ChangeLog changeLog, StreamConfig config) {
        super(request.migrationId(), request.attempt(), request.source(), request.target(), connector, events);
        this.request = request;
        this.checkpointLog = checkpointLog;
        this.changeLog = changeLog;
        this.config = config;
        this.migratedKeys = request.migratedKeys();
        this.idleWatch = new IdleTargetWatch(migratedKeys);
        this.shardSlots = ShardFlush.slotsOf(request.shard(), request.slots());
    }

    /** A newer attempt took over: it reads this change log on from the target's checkpoint, so neither is tidied away. */
    @Override
    public void supersede() {
        superseded = true;
        stop();
    }

    @Override
    protected String what() {
        return "stream";
    }

    @Override
    protected void work() throws InterruptedException {
        Ticker timers = new Ticker("stream-timers");
        // a thread of its own: a batch's commit or a report's flush on the timers' thread may wait for a silent
        // target as long as the reply timeout, and the reports are how the service knows this worker is alive
        Ticker heartbeats = new Ticker("stream-heartbeat");
        long setUpSince = System.nanoTime();
        // Kafka's part of the set-up (the topic, its last command) needs nothing from the links or the claim:
        // it runs meanwhile (each is a client of its own and a few round trips; one after the other they
        // were most of the stream's start after a copy)
        CompletableFuture<ChangeLogPosition> lastLogged = CompletableFuture.supplyAsync(() -> {
            changeLog.ensure(request.migrationId());
            return changeLog.last(request.migrationId());
        }, work -> MigrationThreads.factory("stream-set-up").newThread(work).start());
        try (RedisLink source = connector.open(request.source(), "redis-migrate-stream");
             RedisLink target = connector.open(request.target(), "redis-migrate-stream");
             StreamSource followed = request.shard() == null ? StreamSource.fixed(connector, request.source(), source)
                     : StreamSource.ofShard(connector, request.source(), source)) {
            List<String> commandNames = SourceReplicas.commandNames(source);
            int databases = databases(source);
            checkpointDb = checkpointDb(databases);
            targetIsCluster = TargetSinks.isCluster(target);
            targetLink = target;
            applier = newApplier(request.target());
            handled = startingPoint();
            continuityUnchecked = true;
            if (handled == null) {
                return; // a newer attempt owns the target
            }
            router = new CommandRouter(migratedKeys, commandKeys(followed), databases, handled.db(),
                    request.shard() != null && request.slots() == null);
            ReplicationOffset captureFrom = captureStart(joined(lastLogged));
            LOG.infof("migration %s: stream set up in %d ms, capturing from %s:%d", request.migrationId(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - setUpSince), captureFrom.replId(), captureFrom.offset());
            // what the capture appends is applied from memory as it is sent to Kafka, while the apply keeps up
            SentRecords sent = new SentRecords(SentRecords.DEFAULT_BYTES, !targetIsCluster);
            try (ChangeLogAppender log = changeLog.appender(request.migrationId());
                 ChangeLogEntryReader reader = new ChangeLogEntryReader(changeLog.reader(request.migrationId()), sent)) {
                log.keepSentIn(sent);
                appender = log;
                Thread capture = MigrationThreads.factory("stream-capture").newThread(new StreamCapture(request, connector,
                        commandNames, log, config, captureFrom, followed, captureOwner()));
                capture.start();
                lastReportNanos = System.nanoTime();
                batchDeadline = timers.deadline(Duration.ofMillis(2), this::closeBatch);
                timers.every(config.progressInterval(), () -> reportProgress(followed));
                heartbeats.every(config.progressInterval(), () -> heartbeat(followed));
                this.reader = reader;
                this.capture = capture;
                pump(reader, this::handle, Duration.ofMillis(100));
                closeReplicator(); // ended by a failure, a newer attempt or a lost offset: the capture ends too
                capture.join();
                timers.closeAndWait();
                heartbeats.closeAndWait();
            }
            if (offsetLost != null) {
                LOG.warnf("migration %s: %s", request.migrationId(), offsetLost);
                events.accept(event(EventType.OFFSET_LOST).withOffset(handled).withMessage(offsetLost).withNode(node(followed)));
            } else if (failure() == null && !superseded) {
                finishCleanly();
            }
        } catch (CheckpointMovedException e) {
            // another instance took the target over while this one was finishing: nothing failed
            LOG.infof("migration %s: attempt %d ends: %s", request.migrationId(), request.attempt(), e.getMessage());
        } finally {
            timers.close();
            heartbeats.close();
            closeReplicator();
            // null when the source or the target could not be opened: the FAILED below must still be
            // sent (an exception here hid it, and the api-service handed the silent task over forever)
            if (targetLink != null) {
                targetLink.close();
            }
            if (applier != null) {
                applier.close();
            }
            if (keysSource != null) {
                keysSource.close();
            }
        }
    }

    /**
     * The capture continues after the last command in the change log (captured by the snapshot's
     * link or an earlier stream), else from where the apply starts.
     */
    private ReplicationOffset captureStart(ChangeLogPosition last) {
        if (last != null && last.offset() > handled.offset()) {
            LOG.infof("migration %s: capturing after the change log's last command, %s:%d", request.migrationId(),
                    last.replId(), last.offset());
            return new ReplicationOffset(last.replId(), last.offset(), last.db());
        }
        return handled;
    }

    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    @Override
    protected boolean ending() {
        return super.ending() || superseded || offsetLost != null;
    }

    private StreamCapture.Owner captureOwner() {
        return new StreamCapture.Owner() {
            public void open(Replicator link) throws IOException {
                if (!StreamReplayer.this.ending()) {
                    openReplicator(link);
                }
            }

            public void closeLink() {
                closeReplicator();
            }

            public boolean ending() {
                return StreamReplayer.this.ending();
            }

            public void started() {
                if (!announced) {
                    announced = true;
                    lock.lock();
                    try {
                        events.accept(event(EventType.STREAM_STARTED).withOffset(handled));
                    } finally {
                        lock.unlock();
                    }
                }
            }

            public void offsetLost(String reason) {
                offsetLost = reason;
            }

            public void failed(String reason) {
                if (!stopRequested) {
                    fail(reason);
                }
            }
        };
    }

    /**
     * Before each read of the change log: whether the apply goes on. It applies the log from the
     * checkpoint on (commands at or below it were applied: skipped) until the task ends; on a stop,
     * first everything the capture had appended. A lost target is reconnected here, and a moved
     * checkpoint read again from.
     */
    @Override
    protected boolean pumping() {
        while (failure() == null && !superseded && offsetLost == null && !drained) {
            if (stopRequested && drainTo == null) {
                try {
                    capture.join(); // it flushed what it had read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                drainTo = appender.appended();
                if (drainTo == null) {
                    drainTo = changeLog.last(request.migrationId());
                }
            }
            if (drainTo != null) {
                lock.lock();
                try {
                    if (handled.offset() >= drainTo.offset()) {
                        return false;
                    }
                } finally {
                    lock.unlock();
                }
            } else if (stopRequested) {
                return false;
            }
            if (targetLost != null) {
                reconnectTarget(reader);
                continue;
            }
            if (restartFrom != null) { // an older attempt had moved the checkpoint: continue from there
                lock.lock();
                try {
                    resumeAt(restartFrom);
                    restartFrom = null;
                } finally {
                    lock.unlock();
                }
                reader.rewind();
            }
            return true;
        }
        return false;
    }

    /** One record of the change log, or none (nothing came within the wait). */
    private void handle(EntryBatch<ChangeLogEntryReader.End> batch) {
        if (batch.isEmpty()) {
            lock.lock();
            try {
                applyingSinceMillis = 0;
            } finally {
                lock.unlock();
            }
            if (drainTo != null && handled.offset() < drainTo.offset()) {
                // the log has nothing more than applied: what was appended is all applied or skipped
                ChangeLogPosition last = changeLog.last(request.migrationId());
                drained = last == null || handled.offset() >= last.offset();
            }
            return;
        }
        try {
            apply(batch);
        } catch (RuntimeException e) {
            onApplyFailure(e);
        }
    }

    private void apply(EntryBatch<ChangeLogEntryReader.End> batch) {
        ChangeLogEntryReader.End end = batch.end();
        lock.lock();
        try {
            if (targetLost != null) {
                return; // the timer's commit lost the target meanwhile: the reconnect reads this record again
            }
            applyingSinceMillis = end.appendedAtMillis();
            if (!continuesFromHandled(end)) {
                return;
            }
            for (Entry command : batch.entries()) {
                if (command.sourceOffset() <= handled.offset()) {
                    continue; // applied before (or by another capture of the same history)
                }
                if (command.db() >= 0) {
                    router.select(command.db());
                }
                List<Entry> entries = router.route(command.argv(), command.sourceOffset());
                ReplicationOffset position = new ReplicationOffset(end.replId(), command.sourceOffset(), router.db());
                if (entries.isEmpty()) {
                    applier.skipTo(position);
                }
                for (Entry entry : entries) {
                    if (isFlush(entry.argv()[0])) {
                        idleWatch.forget(); // a flush may empty a part while no checkpoint is held (a cluster target's)
                    }
                    applier.apply(entry, position);
                }
                handled = position;
            }
            if (!reader.readingAgain()) { // else it is read again, in Kafka's order (trimmable)
                readRecords.add(end);
            }
            if (reader.drained()) {
                // nothing more to add to the batch now: it ends here rather than at the timer's next tick (up to
                // 2 ms later, half of the stream's lag beyond Redis's own replica at a steady load)
                applier.commitIfPossible();
            }
            if (applier.inFlight()) {
                batchDeadline.arm();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Guarded by {@code lock}: the apply goes on from a position claimed again (the target's checkpoint after a
     * reconnect, or one an older attempt moved); the caller rewinds the reader, whose first record past it is checked.
     */
    private void resumeAt(ReplicationOffset position) {
        handled = position;
        continuityUnchecked = true;
        router.select(position.db());
        readRecords.clear();
    }

    /**
     * Guarded by {@code lock}. After a claim, the first record that ends past the position must continue from it
     * or before (its start): else the commands in between are gone from the log (trimmed behind a checkpoint the
     * target no longer holds: a failover to a replica, or a restore, that lost writes; also after a hand-over, which
     * does not know how far the earlier attempt trimmed), and applying on would skip them. Then the stream fails
     * saying so. A record of an older capture, whose start is not known, passes. Not for a cluster target: its
     * claim starts at the lowest slot checkpoint, which a slot not written to for long keeps far behind the trim
     * (legitimately: the trimmed records held nothing for it); its slots are checked against what replicas
     * confirmed instead ({@link ClusterCheckpointedApplier}).
     */
    private boolean continuesFromHandled(ChangeLogEntryReader.End end) {
        if (!continuityUnchecked || targetIsCluster || end.sourceOffset() <= handled.offset()) {
            return true;
        }
        continuityUnchecked = false;
        if (end.startOffset() <= handled.offset()) {
            return true;
        }
        fail("the target " + request.target().address() + " holds the stream only up to source offset " + handled.offset()
                + " (a failover to a replica that lacked the last writes, or an older copy restored?), and the change log no"
                + " longer holds what followed: its oldest record kept continues from " + end.startOffset()
                + "; a new migration copies everything again");
        return false;
    }

    /** The target's checkpoint wins over the request: it is exactly what was applied. Null: superseded. */
    private ReplicationOffset startingPoint() {
        ReplicationOffset start;
        lock.lock();
        try {
            start = applier.claim(request.from());
        } finally {
            lock.unlock();
        }
        if (start == null) {
            LOG.warnf("migration %s: a newer attempt than %d owns the target; this one ends", request.migrationId(),
                    request.attempt());
            superseded = true;
        } else if (!start.equals(request.from())) {
            LOG.infof("migration %s: resuming from the target's checkpoint %s", request.migrationId(), start);
        }
        return start;
    }

    /** A failure while applying: a moved checkpoint or a target refusal. */
    private void onApplyFailure(Throwable t) {
        // a cluster target's applier tells a lost node or a failover (MOVED) from a refusal; a standalone's link does
        boolean lostLink = applier.lostTarget() || !targetIsCluster && !targetLink.isOpen();
        // a reply later than the timeout breaks its connection too; a target that keeps doing so is no blip
        boolean givenUp = RespSocket.noAnswer(t) && noAnswers.incrementAndGet() > 2;
        if (t instanceof TargetWriteException && lostLink && !config.targetRetryFor().isZero() && !givenUp) {
            if (targetLost == null) {
                LOG.warnf("migration %s: %s; reconnecting to the target", request.migrationId(), t.getMessage());
                targetLost = t.getMessage();
            }
            return;
        }
        if (t instanceof CheckpointMovedException moved) {
            // gone (removed by the instance that took over) or newer: this attempt is over
            if (moved.found == null || moved.found.attempt() > request.attempt()) {
                LOG.warnf("migration %s: attempt %d superseded: %s", request.migrationId(), request.attempt(), moved.getMessage());
                superseded = true;
            } else {
                LOG.warnf("migration %s: %s; continuing from there", request.migrationId(), moved.getMessage());
                lock.lock();
                try {
                    applier.adopt(moved.found);
                } finally {
                    lock.unlock();
                }
                restartFrom = moved.found.offset();
                return;
            }
        } else { // the first failure is the reason: a timer write interrupted by the ending task is not
            fail(t instanceof TargetWriteException ? t.getMessage() : "cannot apply a command from the source: " + t.getMessage());
        }
        closeReplicator();
    }

    /**
     * Timer, armed by the apply while a batch is open or unconfirmed: a batch is closed within 2 ms of its
     * first command, so a quiet moment shows up in the target at once (a source transaction still coming
     * in keeps it open: then the deadline is armed again).
     */
    private void closeBatch() {
        if (targetLost != null) {
            return; // the reconnect applies the batch again, which arms the deadline again
        }
        try {
            lock.lock();
            try {
                applier.commitIfPossible();
                if (applier.inFlight()) {
                    batchDeadline.arm();
                }
            } finally {
                lock.unlock();
            }
        } catch (RuntimeException e) {
            onApplyFailure(e);
        }
    }

    /**
     * Timer: reports the applied offset and lag; moves the checkpoint out of the target once the
     * stream is idle, and then watches that the target keeps what it held. Kafka and the source are
     * asked outside the apply's lock: their round trips must not stall the apply.
     */
    private void reportProgress(StreamSource source) {
        try {
            long sourceOffset = source.masterOffset();
            long trimBefore;
            lock.lock();
            try {
                // The apply lag as the report begins: the flush below waits for a slow target (a paused one for
                // most of a second), and what it had not confirmed until then is lag the target made, not zero.
                long lagBefore = 0;
                if (targetLost == null) {
                    ChangeLogPosition capturedBefore = appender.captured();
                    ReplicationOffset confirmed = applier.inFlight() ? applier.committed() : handled;
                    lagBefore = capturedBefore == null || confirmed == null ? 0 : Math.max(0, capturedBefore.offset() - confirmed.offset());
                    applier.commitIfPossible();
                    applier.flush();
                }
                Long lag = sourceOffset >= 0 ? Math.max(0, sourceOffset - handled.offset()) : null;
                ChangeLogPosition captured = appender.captured();
                long capturedOffset = captured == null ? handled.offset() : Math.max(captured.offset(), handled.offset());
                Long captureLag = sourceOffset >= 0 ? Math.max(0, sourceOffset - capturedOffset) : null;
                long applyLag = Math.max(capturedOffset - handled.offset(), lagBefore);
                double applyLagSeconds = applyLag == 0 || applyingSinceMillis == 0 ? 0
                        : Math.max(0, System.currentTimeMillis() - applyingSinceMillis) / 1000.0;
                events.accept(event(EventType.STREAM_PROGRESS).withOffset(handled).withStream(applier.commandsApplied(), lag)
                        .withLagParts(captureLag, applyLag, applyLagSeconds).withNode(node(source)));
                lastReportNanos = System.nanoTime();
                if (targetLost == null && handled.offset() != reportedOffset) {
                    noAnswers.set(0); // the target applied since: its late replies were spells, not a state
                    reportedOffset = handled.offset();
                }
                trimBefore = targetLost == null ? trimmable() : -1;
                if (targetLost == null) {
                    watchIdleTarget(source, lag);
                }
            } finally {
                lock.unlock();
            }
            if (trimBefore >= 0) {
                changeLog.trimBefore(request.migrationId(), trimBefore);
                trimmedBefore = trimBefore;
            }
        } catch (CheckpointMovedException | TargetWriteException e) {
            onApplyFailure(e);
        } catch (RuntimeException e) {
            // a missed progress report is harmless; the stream loop reports lasting trouble
            LOG.debugf("migration %s: progress not reported: %s", request.migrationId(), e.toString());
        }
    }

    /**
     * Timer of its own: when no report went out for two periods (the report's flush, or the apply it
     * waits for, is held by a busy or hung target for up to the reply timeout), a progress event
     * with no figures: the service hears this worker is alive and does not hand the stream to another
     * instance, which could not reach the target either. No offset and no lag: what the target has not
     * confirmed must not look applied (a completion waits for the applied offset).
     */
    private void heartbeat(StreamSource source) {
        if (System.nanoTime() - lastReportNanos > 2 * config.progressInterval().toNanos()) {
            try {
                events.accept(event(EventType.STREAM_PROGRESS).withNode(node(source)));
            } catch (RuntimeException e) {
                LOG.debugf("migration %s: heartbeat not sent: %s", request.migrationId(), e.toString());
            }
        }
    }


    /**
     * Guarded by {@code lock}: an idle stream moves its checkpoint out of the target (which then
     * equals the source); from then on nothing in the target would show that it lost its data, so
     * its keyspace is watched instead ({@link IdleTargetWatch}).
     */
    private void watchIdleTarget(StreamSource source, Long lag) {
        if (applier.holdsCheckpoint()) {
            // not before the target's replicas hold every batch: a replica promoted later then holds the checkpoint of
            // the last batch it has (or lacks one the target held: an error), never a later idle moment's in the log
            if (applier.idleNanos() > CHECKPOINT_REMOVAL_IDLE_NANOS && applier.replicasHoldCommitted()) {
                idleWatch.forget(); // what the target held at an earlier idle moment says nothing any more
                applier.removeCheckpoint(handled);
                idleWatch.wentIdle(applier.targetKeyspaces());
            }
            return;
        }
        Map<String, Map<String, String>> keyspaces = applier.targetKeyspaces();
        String lost = idleWatch.lost(keyspaces, part -> sourceHoldsKeysFor(part, source, lag));
        if (lost != null) {
            throw new TargetWriteException(IdleTargetWatch.reason(request.target().address(), lost));
        }
    }

    /**
     * Whether a target part that emptied should hold keys of this stream ({@link SourceShardKeys}), asked of a
     * cluster source's shard only while the stream has applied all the source holds (else keys not applied yet
     * would count: null, not judged now).
     */
    private Boolean sourceHoldsKeysFor(String part, StreamSource source, Long lag) {
        if (shardSlots != null && (lag == null || lag > 0)) {
            return null;
        }
        return SourceShardKeys.holdKeysFor(connector, source.endpoint(), shardSlots, part);
    }

    /**
     * The target's applier. @param seed where a cluster target is reached: its registration's node, or on a
     * reconnect whose seed is down another node it was last known by
     */
    private StreamApplier newApplier(RedisEndpoint seed) {
        if (targetIsCluster) {
            try {
                return new ClusterCheckpointedApplier(TargetSinks.clusterWriter(connector, seed,
                        config.pipelineCommands(), config.pipelineBytes().asLongValue(), 60_000, "redis-migrate-stream"),
                        request.target().address(), checkpointLog, request.migrationId(), request.shard(), request.attempt(),
                        config.batchCommands(), MigrationPacers.commands(request.migrationId()), 60_000,
                        shardSlots);
            } catch (ClusterWriteException e) {
                throw new TargetWriteException("the cluster target " + request.target().address() + ": " + e.getMessage());
            }
        }
        // a plain socket of its own (the link stays for the checks around a reconnect)
        SocketEntryWriter writer = SocketEntryWriter.keepingReplies(connector.openSocket(request.target(), "redis-migrate-stream",
                60_000), config.pipelineCommands(), config.pipelineBytes().asLongValue());
        writer.pacedBy(MigrationPacers.commands(request.migrationId())); // limits.commands_per_second
        return new CheckpointedApplier(writer, checkpointLog, request.migrationId(), request.shard(), request.attempt(), checkpointDb,
                config.batchCommands(), shardSlots, targetReplicaSeen);
    }

    /**
     * The target's connection broke (a proxy restart, a failover, a killed client): reconnect with
     * backoff for {@code target-retry-for} and resume from the checkpoint the target holds, reading
     * the change log again from there (the capture went on meanwhile). A target that comes back
     * without the checkpoint it held has lost its data: said so, never left looking caught up. A
     * cluster target is reached anew from its seed (the topology read again: a slot that moved to a
     * promoted replica is followed) and resumed from its slots' checkpoints, each slot skipping what
     * it holds; a slot that held a checkpoint and holds none now lost its data.
     */
    /**
     * A link to the target for a reconnect: its registration's node; for a cluster target whose node that is does
     * not answer (a managed failover of that very node), another node of the cluster as last known, masters first.
     * Before 12-07 the reconnect waited for the registration's node until {@code target-retry-for}, then failed.
     */
    private RedisLink openTarget() {
        try {
            return connector.open(request.target(), "redis-migrate-stream");
        } catch (RedisAccessException seedDown) {
            if (!(applier instanceof ClusterCheckpointedApplier cluster)) {
                throw seedDown;
            }
            for (RedisEndpoint node : cluster.knownNodes()) {
                if (node.address().equals(request.target().address())) {
                    continue;
                }
                try {
                    RedisLink link = connector.open(node, "redis-migrate-stream");
                    LOG.infof("migration %s: the cluster target's node %s does not answer; reaching the cluster through %s",
                            request.migrationId(), request.target().address(), node.address());
                    return link;
                } catch (RedisAccessException e) {
                    LOG.debugf("the cluster target's node %s does not answer either: %s", node.address(), e.getMessage());
                }
            }
            throw seedDown;
        }
    }

    private void reconnectTarget(ChangeLogEntryReader reader) {
        Backoff backoff = backoff(Duration.ofMillis(200), Duration.ofSeconds(5), config.targetRetryFor());
        boolean held = applier.holdsCheckpoint();
        String lostReason = targetLost;
        while (!stopRequested && failure() == null) {
            if (!backoff.pause()) {
                if (Thread.currentThread().isInterrupted()) {
                    fail(lostReason);
                    return;
                }
                break; // stopped
            }
            RedisLink link = null;
            StreamApplier next = null;
            try {
                link = openTarget();
                String lost = targetIsCluster ? null : lostSinceReconnect(link, held); // a cluster's: per slot, below
                if (lost != null) {
                    link.close();
                    fail(IdleTargetWatch.reason(request.target().address(), lost));
                    return;
                }
                next = newApplier(link.endpoint());
                ReplicationOffset start;
                lock.lock();
                try {
                    // not handled: a slot without a checkpoint holds what the log or the request says, not
                    // the batch that was lost with the connection
                    start = next.claim(request.from());
                    if (start == null) {
                        superseded = true;
                        next.close();
                        link.close();
                        return;
                    }
                    String lostData = next.lostSince(applier);
                    if (lostData != null) {
                        next.close();
                        link.close();
                        fail(IdleTargetWatch.reason(request.target().address(), lostData));
                        return;
                    }
                    targetLink.close();
                    applier.close(); // its writer's socket, or a cluster target's links to the masters
                    targetLink = link;
                    applier = next;
                    resumeAt(start);
                    targetLost = null;
                } finally {
                    lock.unlock();
                }
                reader.rewind();
                LOG.infof("migration %s: the target is back; resuming from its checkpoint %s", request.migrationId(), start);
                return;
            } catch (RedisAccessException | TargetWriteException | CheckpointMovedException | ClusterWriteException e) {
                if (next != null) {
                    next.close();
                }
                if (link != null) {
                    link.close();
                }
                lostReason = e.getMessage();
            }
            if (backoff.exhausted()) {
                fail("lost the target " + request.target().address() + " for more than "
                        + config.targetRetryFor().toSeconds() + " s: " + lostReason);
                return;
            }
        }
        if (stopRequested && failure() == null) {
            fail("stopped while the target was unreachable: " + lostReason);
        }
    }

    /** A standalone target back after a lost connection: why it lost its data (null: it did not). */
    private String lostSinceReconnect(RedisLink link, boolean held) {
        // each check waits a few seconds at most: a link cut again by the next blip may never answer (its reply was
        // waited for the link's own timeout, 30 s in the tests, a stall seen in StreamReplayerTest), and a failed
        // check is one more round of the reconnect's backoff
        link.call(RECONNECT_CHECK_WAIT, "SELECT", checkpointDb);
        boolean hasCheckpoint = link.call(RECONNECT_CHECK_WAIT, "EXISTS",
                new String(StreamCheckpoint.key(request.migrationId(), request.shard()), StandardCharsets.US_ASCII)) instanceof Long n
                && n > 0;
        return !held ? idleWatch.lost(IdleTargetWatch.whole(RedisLink.infoFields(String.valueOf(link.call(RECONNECT_CHECK_WAIT,
                "INFO", "keyspace")))), part -> request.shard() == null ? Boolean.TRUE : null)
                : hasCheckpoint ? null : "it came back without this migration's checkpoint";
    }

    /**
     * Guarded by {@code lock}, with everything read applied (flushed): the Kafka offset before which
     * the change log's records lie wholly at or below the offset the target confirmed holding (not the
     * handled one: an open source transaction is not committed yet, and a crash must find it in Kafka), every few seconds (-1: not
     * now), so that Kafka holds the apply lag, not the history.
     */
    private long trimmable() {
        if (System.nanoTime() - lastTrimNanos <= TRIM_EVERY_NANOS) {
            return -1;
        }
        long before = trimmedBefore;
        // the attempt counts, not only a trim: a replica that does not confirm (a cluster target's WAIT) is asked every TRIM_EVERY
        lastTrimNanos = System.nanoTime();
        ReplicationOffset durable = applier.durable();
        long covered = durable == null ? -1 : Math.min(durable.offset(), handled.offset());
        long trimmable = readRecords.trimBefore(covered);
        if (trimmable > before) {
            before = trimmable;
        }
        if (readRecords.hole() >= 0) { // another capture's record was not read: from there again, in Kafka's order
            reader.readAgainFrom(readRecords.hole());
            readRecords.clear();
        }
        return before > trimmedBefore ? before : -1;
    }

    /**
     * On a stop: everything captured is applied; leave no checkpoint in the target, say where it
     * ended, and delete the change log (the migration is over). Only once the checkpoint has left the
     * target through this attempt's fence: a stop that ends inside a source transaction keeps its
     * batch open and its checkpoint, and a newer attempt of the same migration (the stop was a hand-over
     * to it) reads the same change log, which must then stay.
     */
    private void finishCleanly() {
        boolean checkpointMovedOut;
        lock.lock();
        try {
            applier.commitIfPossible();
            applier.flush();
            applier.removeCheckpoint(handled); // a newer attempt's checkpoint: CheckpointMovedException, nothing deleted
            checkpointMovedOut = !applier.holdsCheckpoint();
            events.accept(event(EventType.STOPPED).withOffset(handled).withStream(applier.commandsApplied(), null));
        } finally {
            lock.unlock();
        }
        if (!checkpointMovedOut) {
            LOG.warnf("migration %s: stopped inside a source transaction; the change log and the target's checkpoint stay",
                    request.migrationId());
            return;
        }
        try {
            changeLog.delete(request.migrationId());
        } catch (RuntimeException e) {
            LOG.warnf("migration %s: the change log was not deleted: %s", request.migrationId(), e.getMessage());
        }
    }

    /** A cluster source's shard: the node its stream reads now (its master, moved by a failover); else none. */
    private String node(StreamSource source) {
        return request.shard() == null ? null : source.address();
    }

    /**
     * Where a command's keys are, read from the source (the commands are its own) on a link of the apply
     * thread's that follows the node the stream reads; needed with key filters only.
     */
    private CommandKeys commandKeys(StreamSource followed) {
        if (!migratedKeys.filtersKeys()) {
            return null;
        }
        keysSource = new SourceKeyTable(connector, followed::endpoint, config.reconnectFor());
        return keysSource.keys();
    }

    /**
     * The checkpoint lives in the target db of the first db that is migrated, never in one the user asked
     * us to leave alone.
     */
    private int checkpointDb(int databases) {
        for (int db = 0; db < databases; db++) {
            if (migratedKeys.migrates(db)) {
                return migratedKeys.targetDb(db);
            }
        }
        throw new IllegalStateException("every db is ignored: nothing to migrate");
    }

    private static int databases(RedisLink source) {
        try {
            Object reply = source.call("CONFIG", "GET", "databases");
            if (reply instanceof List<?> l && l.size() == 2) {
                return Integer.parseInt(String.valueOf(l.get(1)));
            }
        } catch (RedisAccessException e) {
            // CONFIG may be renamed away on managed sources; Redis's default follows
        }
        return 16;
    }
}

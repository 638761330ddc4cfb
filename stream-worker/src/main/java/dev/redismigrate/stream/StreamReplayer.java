package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.cmd.impl.DefaultCommand;
import com.moilioncircle.redis.replicator.cmd.impl.SelectCommand;
import com.moilioncircle.redis.replicator.event.AbstractEvent;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import com.moilioncircle.redis.replicator.event.PreRdbSyncEvent;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.pipeline.EntryWriter;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.worker.MigrationThreads;
import dev.redismigrate.worker.ReplicaTask;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Follows the source as a replica from where the target's checkpoint (or else the request) says
 * (PSYNC continue) and applies every replicated write to the target in source order, in
 * checkpointed transactions ({@link CheckpointedApplier}), until stopped. A lost source is
 * reconnected from the applied offset; a source that can no longer serve it fails the migration
 * rather than silently starting over; a newer attempt found in the target ends this one.
 */
public final class StreamReplayer extends ReplicaTask {
    private static final Logger LOG = Logger.getLogger(StreamReplayer.class);
    private static final long CHECKPOINT_REMOVAL_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final StreamRequest request;
    private final CheckpointLog checkpointLog;
    private final StreamConfig config;

    private volatile boolean superseded;
    private volatile String fatal;
    /** why the source answered our PSYNC with a full sync: the stream cannot go on */
    private volatile String offsetLost;
    /** whether the current replication link got as far as the command stream */
    private volatile boolean linkUp;
    /** set when an older attempt had moved the checkpoint: the next link starts there */
    private volatile ReplicationOffset restartFrom;
    private boolean announced;
    /** Guarded by {@code applier}: the source position of the last command handled (applied or skipped). */
    private ReplicationOffset handled;
    private CheckpointedApplier applier;
    private CommandRouter router;

    public StreamReplayer(StreamRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            CheckpointLog checkpointLog, StreamConfig config) {
        super(request.migrationId(), request.attempt(), connector, events);
        this.request = request;
        this.checkpointLog = checkpointLog;
        this.config = config;
    }

    @Override
    public void run() {
        ScheduledExecutorService timers = MigrationThreads.timer("stream-timers");
        try (RedisLink source = connector.open(request.source(), "redis-migrate-stream");
             RedisLink target = connector.open(request.target(), "redis-migrate-stream")) {
            List<String> commandNames = SourceReplicas.commandNames(source);
            int databases = databases(source);
            EntryWriter writer = new EntryWriter(target, config.pipelineCommands(), config.pipelineBytes().asLongValue(), 60_000);
            writer.pacedBy(MigrationPacers.commands(request.migrationId())); // limits.commands_per_second
            applier = new CheckpointedApplier(writer, checkpointLog, request.migrationId(), request.attempt(),
                    checkpointDb(databases), config.batchCommands());
            handled = startingPoint();
            if (handled == null) {
                return; // a newer attempt owns the target
            }
            router = new CommandRouter(request.ignoreDbs(), databases, handled.db());
            timers.scheduleWithFixedDelay(this::closeBatch, 2, 2, TimeUnit.MILLISECONDS);
            long period = config.progressInterval().toMillis();
            timers.scheduleWithFixedDelay(() -> reportProgress(source), period, period, TimeUnit.MILLISECONDS);
            follow(commandNames);
            timers.shutdownNow();
            timers.awaitTermination(5, TimeUnit.SECONDS);
            if (offsetLost != null) {
                LOG.warnf("migration %s: %s", request.migrationId(), offsetLost);
                events.accept(event(EventType.OFFSET_LOST).withOffset(handled).withMessage(offsetLost));
            } else if (fatal == null && !superseded) {
                finishCleanly();
            }
        } catch (CheckpointMovedException e) {
            // another instance took the target over while this one was finishing: nothing failed
            LOG.infof("migration %s: attempt %d ends: %s", request.migrationId(), request.attempt(), e.getMessage());
        } catch (RedisAccessException | TargetWriteException e) {
            fatal = e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "migration %s: stream failed", request.migrationId());
            fatal = "stream failed: " + e.getMessage();
        } finally {
            timers.shutdownNow();
        }
        if (fatal != null) {
            LOG.errorf("migration %s: %s", request.migrationId(), fatal);
            events.accept(event(EventType.FAILED).withMessage(fatal));
        }
    }

    /** The target's checkpoint wins over the request: it is exactly what was applied. Null: superseded. */
    private ReplicationOffset startingPoint() {
        ReplicationOffset start;
        synchronized (applier) {
            start = applier.claim(request.from());
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

    /** Replicates until stopped or failed, reconnecting from the applied offset when the link breaks. */
    private void follow(List<String> commandNames) {
        long outageStart = System.nanoTime();
        long backoffMillis = 200;
        while (!stopRequested && fatal == null && !superseded && offsetLost == null) {
            ReplicationOffset from = appliedOffset();
            Replicator rep = SourceReplicas.replicaOf(request.source(), connector, commandNames, from, 10_000);
            rep.addEventListener((r, event) -> onEvent(event));
            rep.addExceptionListener((r, t, event) -> onApplyFailure(t));
            linkUp = false;
            String lostReason;
            try {
                openReplicator(rep);
                lostReason = "the source closed the replication link";
            } catch (Throwable t) {
                lostReason = SourceReplicas.reason(t);
            }
            if (stopRequested || fatal != null || superseded || offsetLost != null) {
                break;
            }
            if (restartFrom != null) { // an older attempt had moved the checkpoint: continue from there
                synchronized (applier) {
                    handled = restartFrom;
                    router.select(restartFrom.db());
                    restartFrom = null;
                }
                continue;
            }
            long now = System.nanoTime();
            if (linkUp) { // a new outage starts now
                outageStart = now;
                backoffMillis = 200;
            } else if (now - outageStart > config.reconnectFor().toNanos()) {
                fatal = "lost the source " + request.source().address() + " for more than "
                        + config.reconnectFor().toSeconds() + " s: " + lostReason;
                break;
            }
            LOG.warnf("migration %s: source link lost (%s); reconnecting from %s", request.migrationId(), lostReason, from);
            sleep(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, 5_000);
        }
    }

    private void onEvent(Event event) {
        if (stopRequested || fatal != null || superseded || offsetLost != null) {
            return;
        }
        if (event instanceof PreRdbSyncEvent) {
            offsetLost = "the source can no longer continue from offset " + appliedOffset()
                    + " (its replication backlog was overwritten, or it was restarted)";
            closeReplicator();
            return;
        }
        if (event instanceof PreCommandSyncEvent) {
            linkUp = true;
            if (!announced) {
                announced = true;
                events.accept(event(EventType.STREAM_STARTED).withOffset(appliedOffset()));
            }
            return;
        }
        long end = event instanceof AbstractEvent e && e.getContext().getOffsets() != null
                ? e.getContext().getOffsets().getV2() : -1;
        synchronized (applier) {
            if (event instanceof SelectCommand select) {
                router.select(select.getIndex());
            } else if (event instanceof DefaultCommand command) {
                byte[][] argv = new byte[command.getArgs().length + 1][];
                argv[0] = command.getCommand();
                System.arraycopy(command.getArgs(), 0, argv, 1, command.getArgs().length);
                List<Entry> entries = router.route(argv, end);
                ReplicationOffset position = new ReplicationOffset(replicator.getConfiguration().getReplId(), end, router.db());
                if (entries.isEmpty()) {
                    applier.skipTo(position);
                }
                for (Entry entry : entries) {
                    applier.apply(entry, position);
                }
            }
            if (end >= 0) {
                handled = new ReplicationOffset(replicator.getConfiguration().getReplId(), end, router.db());
            }
        }
    }

    /** A failure while applying: a moved checkpoint or a target refusal. */
    private void onApplyFailure(Throwable t) {
        if (t instanceof CheckpointMovedException moved) {
            // gone (removed by the instance that took over) or newer: this attempt is over
            if (moved.found == null || moved.found.attempt() > request.attempt()) {
                LOG.warnf("migration %s: attempt %d superseded: %s", request.migrationId(), request.attempt(), moved.getMessage());
                superseded = true;
            } else {
                LOG.warnf("migration %s: %s; continuing from there", request.migrationId(), moved.getMessage());
                synchronized (applier) {
                    applier.adopt(moved.found);
                }
                restartFrom = moved.found.offset();
            }
        } else {
            fatal = t instanceof TargetWriteException ? t.getMessage() : "cannot apply a command from the source: " + t.getMessage();
        }
        closeReplicator();
    }

    /** Timer: a batch is closed within milliseconds, so a quiet moment shows up in the target at once. */
    private void closeBatch() {
        try {
            synchronized (applier) {
                applier.commitIfPossible();
            }
        } catch (RuntimeException e) {
            onApplyFailure(e);
        }
    }

    /** Timer: reports the applied offset and lag; moves the checkpoint out of the target once the stream is idle. */
    private void reportProgress(RedisLink source) {
        try {
            synchronized (applier) {
                applier.commitIfPossible();
                applier.flush();
                long sourceOffset = Long.parseLong(source.info("replication").getOrDefault("master_repl_offset", "-1"));
                Long lag = sourceOffset >= 0 ? Math.max(0, sourceOffset - handled.offset()) : null;
                events.accept(event(EventType.STREAM_PROGRESS).withOffset(handled).withStream(applier.commandsApplied(), lag));
                if (applier.holdsCheckpoint() && applier.idleNanos() > CHECKPOINT_REMOVAL_IDLE_NANOS) {
                    applier.removeCheckpoint(handled);
                }
            }
        } catch (CheckpointMovedException | TargetWriteException e) {
            onApplyFailure(e);
        } catch (RuntimeException e) {
            // a missed progress report is harmless; the stream loop reports lasting trouble
            LOG.debugf("migration %s: progress not reported: %s", request.migrationId(), e.toString());
        }
    }

    /** On a stop: apply what was read, leave no checkpoint in the target, and say where it ended. */
    private void finishCleanly() {
        synchronized (applier) {
            applier.commitIfPossible();
            applier.flush();
            applier.removeCheckpoint(handled);
            events.accept(event(EventType.STOPPED).withOffset(handled).withStream(applier.commandsApplied(), null));
        }
    }

    private ReplicationOffset appliedOffset() {
        synchronized (applier) {
            applier.commitIfPossible();
            applier.flush();
            return handled;
        }
    }

    /** The checkpoint lives in the first db that is migrated, never in one the user asked us to leave alone. */
    private int checkpointDb(int databases) {
        for (int db = 0; db < databases; db++) {
            if (!request.ignoreDbs().contains(db)) {
                return db;
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

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Map<String, RedisEndpoint> endpoints() {
        return Map.of("source", request.source(), "target", request.target());
    }
}

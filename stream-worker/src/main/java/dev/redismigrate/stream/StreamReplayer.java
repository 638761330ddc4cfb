package dev.redismigrate.stream;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.cmd.impl.DefaultCommand;
import com.moilioncircle.redis.replicator.cmd.impl.SelectCommand;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.event.PreCommandSyncEvent;
import com.moilioncircle.redis.replicator.event.PreRdbSyncEvent;
import com.moilioncircle.redis.replicator.event.AbstractEvent;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryWriter;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.common.replication.SourceReplicas;
import dev.redismigrate.worker.MigrationTask;
import dev.redismigrate.worker.WorkerIdentity;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Follows the source as a replica from the offset where the snapshot ended (PSYNC continue) and
 * applies every replicated write to the target in source order, until stopped. A lost source is
 * reconnected from the last applied offset; a source that can no longer serve that offset fails
 * the migration rather than silently starting over.
 */
public final class StreamReplayer implements MigrationTask {
    private static final Logger LOG = Logger.getLogger(StreamReplayer.class);

    private final StreamRequest request;
    private final RedisConnector connector;
    private final Consumer<MigrationEvent> events;
    private final StreamConfig config;

    private volatile boolean stopRequested;
    private volatile Replicator replicator;
    private volatile String fatal;
    /** whether the current replication link got as far as the command stream */
    private volatile boolean linkUp;
    private boolean announced;
    /** Guarded by {@code writer}: the offset of the last command handled (applied or skipped). */
    private ReplicationOffset handled;
    private EntryWriter writer;
    private CommandRouter router;

    public StreamReplayer(StreamRequest request, RedisConnector connector, Consumer<MigrationEvent> events, StreamConfig config) {
        this.request = request;
        this.connector = connector;
        this.events = events;
        this.config = config;
        this.handled = request.from();
    }

    @Override
    public UUID migrationId() {
        return request.migrationId();
    }

    @Override
    public int attempt() {
        return request.attempt();
    }

    @Override
    public void stop() {
        stopRequested = true;
        closeReplicator();
    }

    @Override
    public void run() {
        ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "stream-progress"));
        try (RedisLink source = connector.open(request.source(), "redis-migrate-stream");
             RedisLink target = connector.open(request.target(), "redis-migrate-stream")) {
            List<String> commandNames = SourceReplicas.commandNames(source);
            int databases = databases(source);
            writer = new EntryWriter(target, config.pipelineCommands(), config.pipelineBytes().asLongValue(), 60_000);
            router = new CommandRouter(request.ignoreDbs(), databases, request.from().db());
            long period = config.progressInterval().toMillis();
            progress.scheduleWithFixedDelay(() -> reportProgress(source), period, period, TimeUnit.MILLISECONDS);
            follow(commandNames);
        } catch (RedisAccessException e) {
            fatal = e.getMessage();
        } catch (RuntimeException e) {
            LOG.errorf(e, "migration %s: stream failed", request.migrationId());
            fatal = "stream failed: " + e.getMessage();
        } finally {
            progress.shutdownNow();
        }
        if (fatal != null) {
            LOG.errorf("migration %s: %s", request.migrationId(), fatal);
            events.accept(event(EventType.FAILED).withMessage(fatal));
        } else {
            events.accept(event(EventType.STOPPED).withOffset(appliedOffset())
                    .withStream(writer == null ? 0 : writer.entriesApplied(), null));
        }
    }

    /** Replicates until stopped or failed, reconnecting from the applied offset when the source goes away. */
    private void follow(List<String> commandNames) {
        long outageStart = System.nanoTime();
        long backoffMillis = 200;
        while (!stopRequested && fatal == null) {
            ReplicationOffset from = appliedOffset();
            Replicator rep = SourceReplicas.replicaOf(request.source(), connector.cipher(), commandNames, from, 10_000);
            rep.addEventListener((r, event) -> onEvent(event));
            rep.addExceptionListener((r, t, event) -> {
                fatal = "cannot apply a command from the source: " + t.getMessage();
                closeReplicator();
            });
            replicator = rep;
            linkUp = false;
            String lostReason;
            try {
                rep.open();
                lostReason = "the source closed the replication link";
            } catch (Throwable t) {
                lostReason = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            }
            if (stopRequested || fatal != null) {
                break;
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
        if (writer != null) {
            synchronized (writer) {
                writer.flush();
            }
        }
    }

    private void onEvent(Event event) {
        if (stopRequested || fatal != null) {
            return;
        }
        if (event instanceof PreRdbSyncEvent) {
            fatal = "the source can no longer continue from offset " + appliedOffset()
                    + " (its replication backlog was overwritten or it was restarted); start the migration again";
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
        synchronized (writer) {
            if (event instanceof SelectCommand select) {
                router.select(select.getIndex());
            } else if (event instanceof DefaultCommand command) {
                byte[][] argv = new byte[command.getArgs().length + 1][];
                argv[0] = command.getCommand();
                System.arraycopy(command.getArgs(), 0, argv, 1, command.getArgs().length);
                for (Entry entry : router.route(argv, end)) {
                    writer.write(entry);
                }
            }
            if (end >= 0) {
                handled = new ReplicationOffset(replicator.getConfiguration().getReplId(), end, router.db());
            }
        }
    }

    /** Flushes what is in flight, so the handled offset is also the applied one, and reports it with the lag. */
    private void reportProgress(RedisLink source) {
        try {
            ReplicationOffset applied = appliedOffset();
            long sourceOffset = Long.parseLong(source.info("replication").getOrDefault("master_repl_offset", "-1"));
            Long lag = sourceOffset >= 0 ? Math.max(0, sourceOffset - applied.offset()) : null;
            events.accept(event(EventType.STREAM_PROGRESS).withOffset(applied).withStream(writer.entriesApplied(), lag));
        } catch (RuntimeException e) {
            // the stream loop reports lasting trouble; a missed progress report is harmless
            LOG.debugf("migration %s: progress not reported: %s", request.migrationId(), e.toString());
        }
    }

    private ReplicationOffset appliedOffset() {
        if (writer == null) {
            return handled;
        }
        synchronized (writer) {
            writer.flush();
            return handled;
        }
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

    private void closeReplicator() {
        Replicator r = replicator;
        if (r != null) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.debugf("closing the replication: %s", e.toString());
            }
        }
    }

    private MigrationEvent event(EventType type) {
        return MigrationEvent.of(request.migrationId(), request.attempt(), type, WorkerIdentity.name());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

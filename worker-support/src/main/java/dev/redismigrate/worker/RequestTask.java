package dev.redismigrate.worker;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.pipeline.BatchHandler;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The skeleton of every task of one requested migration attempt, whatever its method (Debezium's
 * shape: a snapshot phase hands an offset to a streaming phase; RedisShake's: a reader yields entries
 * that a writer applies). It holds the attempt, its source and target and where its events go, and
 * owns what the tasks used to repeat each on its own: the stop flag, running the task's
 * {@link #work} with the failure reporting (the first failure is the reason; one FAILED event at the
 * end), the pump loop that hands an {@link EntryReader}'s batches to a {@link BatchHandler}, and the
 * {@link Ticker} and {@link Backoff} for progress reports and reconnects. A task is then wiring:
 * which reader, which writers, which events.
 */
public abstract class RequestTask implements MigrationTask {
    private final Logger log = Logger.getLogger(getClass());
    private final UUID migrationId;
    private final int attempt;
    private final Map<String, RedisEndpoint> endpoints;
    protected final Consumer<MigrationEvent> events;
    protected volatile boolean stopRequested;
    /** why the task failed: the first reason given wins (a later one is a consequence of ending) */
    private volatile String failure;

    protected RequestTask(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target,
            Consumer<MigrationEvent> events) {
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.endpoints = Map.of("source", source, "target", target);
        this.events = events;
    }

    /** What the task does, on its own thread; a failure is reported with {@link #fail} or thrown. */
    protected abstract void work() throws Exception;

    /** What the task is, for a failure's reason ("snapshot" gives "snapshot failed: ..."). */
    protected abstract String what();

    /**
     * Runs {@link #work}; its first failure, reported or thrown, ends the task with one FAILED event.
     * A Redis or target error's message names the server already; anything else is unexpected and
     * logged with its trace.
     */
    @Override
    public final void run() {
        try {
            work();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RedisAccessException | TargetWriteException e) {
            fail(e.getMessage());
        } catch (Exception e) {
            log.errorf(e, "migration %s: %s failed", migrationId, what());
            fail(what() + " failed: " + e.getMessage());
        }
        String reason = failure;
        if (reason != null) {
            log.errorf("migration %s: %s", migrationId, reason);
            publish(event(EventType.FAILED).withMessage(reason));
        }
    }

    /** Records why the task fails, unless it failed already (the first failure is the reason). */
    protected final synchronized void fail(String reason) {
        if (failure == null) {
            failure = reason;
        }
    }

    /** Why the task fails, or null. */
    protected final String failure() {
        return failure;
    }

    /** Whether the task is to end: stopped or failed (a task may add its own reasons). */
    protected boolean ending() {
        return stopRequested || failure != null;
    }

    /** Before each read of the pump: whether to read another batch (by default, until the task ends). */
    protected boolean pumping() {
        return !ending();
    }

    /**
     * The pipeline's loop: reads a batch (waiting up to {@code wait}), hands it to {@code handler},
     * and again, while {@link #pumping}. @return true when the reader had nothing more.
     */
    protected final <P> boolean pump(EntryReader<P> reader, BatchHandler<P> handler, Duration wait) {
        while (pumping()) {
            EntryBatch<P> batch = reader.next(wait);
            if (batch == null) {
                return true;
            }
            handler.handle(batch);
        }
        return false;
    }

    /** A backoff that ends its pauses early when the task is asked to stop. */
    protected final Backoff backoff(Duration first, Duration max, Duration budget) {
        return new Backoff(first, max, budget, () -> stopRequested);
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
    }

    @Override
    public Map<String, RedisEndpoint> endpoints() {
        return endpoints;
    }

    /** An event of this attempt, from this worker. */
    protected MigrationEvent event(EventType type) {
        return MigrationEvent.of(migrationId, attempt, type, WorkerIdentity.name());
    }

    protected final void publish(MigrationEvent event) {
        events.accept(event);
    }
}

package dev.redismigrate.api.completion;

import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.api.Ids;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.CompletionStep;
import dev.redismigrate.api.migration.HistoryEntry;
import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.MigrationWorkflow;
import dev.redismigrate.api.migration.Migrations;
import dev.redismigrate.api.outbox.Outbox;
import dev.redismigrate.api.verify.VerificationService;
import dev.redismigrate.common.contract.WorkerCommand;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.replication.ReplicationOffset;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Completes migrations (POST .../complete): checks the request, pauses the source's writes and
 * reads its offset before answering (so a source that cannot be paused is a 422 at once), then
 * leaves the waiting, verifying and stopping to a {@link CompletionRun} on a thread of its own.
 * The steps are kept on the migration (GET shows them) and in its history.
 */
@ApplicationScoped
public class CompletionService {
    private static final Logger LOG = Logger.getLogger(CompletionService.class);
    /** a completion whose runner is gone (the instance stopped) is given up this long after its deadline */
    static final Duration ORPHAN_GRACE = Duration.ofSeconds(30);

    private final RedisConnector connector;
    private final Outbox outbox;
    private final VerificationService verifications;
    private final ExecutorService runners = MigrationThreads.pool("migration-completion");

    CompletionService(RedisConnector connector, Outbox outbox, VerificationService verifications) {
        this.connector = connector;
        this.outbox = outbox;
        this.verifications = verifications;
    }

    @PreDestroy
    void stop() {
        runners.shutdownNow(); // each run unpauses its source on the way out
    }

    /** @return the migration as it stands once the completion has begun (or, forced, ended) */
    public Migration complete(String databaseId, String migrationId, CompleteRequest body) {
        CompletionPlan plan = CompletionPlan.read(body);
        Migration m = QuarkusTransaction.requiringNew().call(() -> {
            Migration locked = Migrations.lockedOf(databaseId, migrationId);
            MigrationWorkflow flow = new MigrationWorkflow(locked);
            String refusal = flow.completionRefusal();
            if (refusal != null) {
                throw ApiException.conflict(refusal);
            }
            if (plan.verify() != null) {
                Migrations.requireVerifiable(locked);
            }
            Instant now = Ids.now();
            if (plan.force()) {
                outbox.add(flow.forceCompletion(now));
                HistoryEntry.record(locked.id, now, "COMPLETED", "completed by force: ended without waiting"
                        + (locked.finalOffset == null ? "" : "; applied up to offset " + locked.finalOffset));
            } else {
                flow.beginCompletion(now, now.plus(plan.timeout()));
                HistoryEntry.record(locked.id, now, "COMPLETING", "completion requested: " + plan.describe());
            }
            return locked;
        });
        if (plan.force()) {
            return m;
        }
        UUID id = m.id;
        SourceSwitch source = begin(m, plan);
        try {
            MigrationThreads.execute(runners, id, new CompletionRun(this, id, plan, source, verifications));
        } catch (RejectedExecutionException e) {
            source.close();
            abandon(id, "the service is shutting down");
            throw ApiException.conflict("the service is shutting down: complete again on another instance");
        }
        return QuarkusTransaction.requiringNew().call(() -> Migration.findById(id));
    }

    /** Pauses the source (when asked) and reads the offset to reach; on trouble the completion is given up with a 422. */
    private SourceSwitch begin(Migration m, CompletionPlan plan) {
        SourceSwitch source = null;
        try {
            source = SourceSwitch.open(connector, m);
            Instant began = Ids.now();
            if (plan.pause() != null) {
                source.pauseWrites(plan.pause());
            }
            List<ReplicationOffset> offsets = m.byScan() ? null : source.positions();
            Instant pauseEnds = plan.pause() == null ? null : began.plus(plan.pause());
            change(m.id, locked -> {
                MigrationWorkflow flow = new MigrationWorkflow(locked);
                locked.completionBeganAt = began;
                if (pauseEnds != null && pauseEnds.isBefore(locked.completionDeadline) && plan.verify() == null) {
                    locked.completionDeadline = pauseEnds; // without a verification nothing is left to do once writes resume
                }
                if (offsets != null && locked.sharded()) {
                    flow.awaitShardOffsets(offsets);
                } else if (offsets != null) {
                    flow.awaitOffset(offsets.get(0));
                }
                HistoryEntry.record(locked.id, began, "COMPLETING", offsets == null ? "waiting until no changed key is pending"
                        : "waiting for the apply to reach the source's offset" + (locked.sharded() ? "s " : " ")
                        + offsets.stream().map(o -> Long.toString(o.offset())).collect(Collectors.joining(", "))
                        + (locked.sharded() ? " (shards " + locked.shards.stream().map(s -> Integer.toString(s.index))
                                .collect(Collectors.joining(", ")) + ", every master paused)" : ""));
            });
            return source;
        } catch (RedisAccessException | NumberFormatException e) {
            if (source != null) {
                source.close();
            }
            String why = (m.sharded() ? "the source's masters" : "the source") + " could not be " + (plan.pause() == null ? "read"
                    : "paused (CLIENT PAUSE ... WRITE needs Redis 6.2 or later, or Valkey, and the right to run it)") + ": "
                    + e.getMessage();
            abandon(m.id, why);
            throw ApiException.unprocessable("pause_source_writes: " + why);
        }
    }

    /** Changes the migration under its lock, in a transaction of its own. */
    void change(UUID id, Consumer<Migration> change) {
        QuarkusTransaction.requiringNew().run(() -> change.accept(Migration.findById(id, LockModeType.PESSIMISTIC_WRITE)));
    }

    Migration read(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> Migration.findById(id));
    }

    /** Queues a command in the same transaction as the change that leads to it. */
    void queue(WorkerCommand command) {
        outbox.add(command);
    }

    /** Gives the completion up, if it is still under way; the migration goes on. */
    void abandon(UUID id, String why) {
        change(id, m -> {
            if (m.completionStep != null) {
                new MigrationWorkflow(m).abandonCompletion(why);
                HistoryEntry.record(m.id, Ids.now(), "COMPLETION_FAILED", why + "; the migration goes on");
                LOG.warnf("migration %s: completion given up: %s", m.id, why);
            }
        });
    }

    /**
     * Completions whose runner is gone (the instance that ran them stopped) are given up once their
     * deadline is well past; one that was stopping its workers is done (they were asked to stop).
     */
    @Scheduled(every = "${redis-migrate.migration.expiry-check}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @Transactional
    void endOrphans() {
        Instant now = Ids.now();
        List<Migration> orphans = Migration.find("completionStep is not null and completionDeadline <= ?1",
                now.minus(ORPHAN_GRACE)).withLock(LockModeType.PESSIMISTIC_WRITE).list();
        for (Migration m : orphans) {
            MigrationWorkflow flow = new MigrationWorkflow(m);
            if (m.completionStep == CompletionStep.STOPPING) {
                flow.complete(now, "completed; the stream worker did not confirm its stop");
                HistoryEntry.record(m.id, now, "COMPLETED", m.completionNote);
            } else {
                flow.abandonCompletion("the completion's runner stopped before it ended (was the service restarted?)");
                HistoryEntry.record(m.id, now, "COMPLETION_FAILED", m.completionNote);
            }
        }
    }
}

package dev.redismigrate.api.completion;

import dev.redismigrate.api.Ids;
import dev.redismigrate.api.migration.CompletionStep;
import dev.redismigrate.api.migration.HistoryEntry;
import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.MigrationStatus;
import dev.redismigrate.api.migration.MigrationWorkflow;
import dev.redismigrate.api.verify.Verification;
import dev.redismigrate.api.verify.VerificationService;
import dev.redismigrate.api.verify.VerificationStatus;
import dev.redismigrate.api.verify.VerifyStartRequest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * One completion after its start: waits for the apply to reach the point, verifies (when asked),
 * stops the workers, and ends the migration as done; or gives up, leaving it syncing, with the
 * reason. The source is unpaused at the end whatever happens (closing its {@link SourceSwitch}).
 */
final class CompletionRun implements Runnable {
    private static final Logger LOG = Logger.getLogger(CompletionRun.class);
    private static final long POLL_MILLIS = 100;
    /** how long the stream worker has to confirm its stop before the migration is done without it */
    private static final long STOP_CONFIRM_MILLIS = 10_000;

    private final CompletionService service;
    private final UUID id;
    private final CompletionPlan plan;
    private final SourceSwitch source;
    private final VerificationService verifications;

    CompletionRun(CompletionService service, UUID id, CompletionPlan plan, SourceSwitch source, VerificationService verifications) {
        this.service = service;
        this.id = id;
        this.plan = plan;
        this.source = source;
        this.verifications = verifications;
    }

    @Override
    public void run() {
        try (source) {
            String why = steps();
            if (why != null) {
                service.abandon(id, why);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            service.abandon(id, "the service stopped during the completion");
        } catch (RuntimeException e) {
            LOG.errorf(e, "migration %s: completion failed", id);
            service.abandon(id, "the completion failed: " + e.getMessage());
        }
    }

    /** @return why the completion gives up, or null when the migration is done */
    private String steps() throws InterruptedException {
        Migration m = service.read(id);
        Instant waitUntil = m.completionDeadline;
        if (plan.pause() != null && m.completionBeganAt.plus(plan.pause()).isBefore(waitUntil)) {
            waitUntil = m.completionBeganAt.plus(plan.pause()); // past the pause the source moves on: no exact point
        }
        m = await(waitUntil, current -> new MigrationWorkflow(current).pointReached());
        if (m.completionStep == null) {
            return "the completion was given up meanwhile";
        }
        if (m.status != MigrationStatus.SYNCING) {
            return "the migration became " + m.status.wire() + " meanwhile";
        }
        String missing = new MigrationWorkflow(m).pointMissing();
        if (missing != null) {
            return "the apply did not reach " + missing + " by " + waitUntil
                    + (plan.pause() != null && waitUntil.isBefore(m.completionDeadline) ? " (the pause's end)" : "");
        }
        if (plan.verify() != null) {
            String verdict = verify(m.completionDeadline);
            if (verdict != null) {
                return verdict;
            }
        }
        service.change(id, locked -> {
            if (locked.completionStep != null && locked.status == MigrationStatus.SYNCING) {
                service.queue(new MigrationWorkflow(locked).stopForCompletion());
                HistoryEntry.record(locked.id, Ids.now(), "COMPLETING", "the point is reached"
                        + (locked.byScan() ? "" : " (offset " + locked.replOffset + ")") + ": stopping the workers");
            }
        });
        // the stream worker's STOPPED ends the migration (MigrationWorkflow); without it, done all the same
        Migration stopped = await(Instant.now().plusMillis(STOP_CONFIRM_MILLIS), current -> current.status == MigrationStatus.DONE);
        if (stopped.status != MigrationStatus.DONE) {
            service.change(id, locked -> {
                if (locked.completionStep == CompletionStep.STOPPING) {
                    new MigrationWorkflow(locked).complete(Ids.now(), "completed; the stream worker did not confirm its stop");
                    HistoryEntry.record(locked.id, Ids.now(), "COMPLETED", locked.completionNote);
                }
            });
        }
        LOG.infof("migration %s completed", id);
        return null;
    }

    /** Verifies the target against the source; @return why it does not pass, or null. */
    private String verify(Instant deadline) throws InterruptedException {
        service.change(id, locked -> {
            if (locked.completionStep != null) {
                new MigrationWorkflow(locked).verifying();
            }
        });
        Verification v = verifications.start(id.toString(), new VerifyStartRequest(plan.verify().wire(), null));
        QuarkusTransaction.requiringNew().run(() -> HistoryEntry.record(id, Ids.now(), "COMPLETING",
                "verifying (" + plan.verify().wire() + "): verification " + v.id));
        UUID vid = v.id;
        while (Instant.now().isBefore(deadline)) {
            Verification current = QuarkusTransaction.requiringNew().call(() -> Verification.findById(vid));
            if (current.status == VerificationStatus.ERROR) {
                return "verification " + vid + " could not run: " + current.error;
            }
            if (current.status == VerificationStatus.DONE) {
                return "equal".equals(current.verdict) ? null
                        : "verification " + vid + " found the target " + current.verdict + " from the source";
            }
            Thread.sleep(POLL_MILLIS);
        }
        return "verification " + vid + " did not end by the timeout";
    }

    /** Reads the migration until the condition holds, the completion ended otherwise, or the time is up. */
    private Migration await(Instant until, Predicate<Migration> done) throws InterruptedException {
        while (true) {
            Migration m = service.read(id);
            if (done.test(m) || m.completionStep == null || m.status != MigrationStatus.SYNCING
                    || !Instant.now().isBefore(until)) {
                return m;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}

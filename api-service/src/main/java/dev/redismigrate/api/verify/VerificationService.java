package dev.redismigrate.api.verify;

import dev.redismigrate.api.ApiConfig;
import dev.redismigrate.api.Ids;
import dev.redismigrate.api.error.ApiException;
import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.Migrations;
import dev.redismigrate.api.migration.MigrationPhase;
import dev.redismigrate.api.migration.MigrationStatus;
import dev.redismigrate.api.outbox.Outbox;
import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.common.contract.VerifyRequest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Starts verifications (a {@link VerifyRequest} through the {@link Outbox}, in the same
 * transaction as the row) and follows the verifier's reports.
 */
@ApplicationScoped
public class VerificationService {
    private static final Logger LOG = Logger.getLogger(VerificationService.class);
    static final int MAX_SAMPLE = 1_000_000;

    private final Outbox outbox;
    private final Duration silence;
    private final int defaultSample;

    VerificationService(Outbox outbox, ApiConfig config) {
        this.outbox = outbox;
        this.silence = config.verify().silence();
        this.defaultSample = config.verify().defaultSampleSize();
    }

    public Verification start(String migrationId, VerifyStartRequest body) {
        UUID id = Ids.parse("migration", migrationId);
        VerifyMode mode = mode(body == null ? null : body.mode());
        Integer sample = body == null ? null : body.sampleSize();
        if (mode == VerifyMode.FULL && sample != null) {
            throw ApiException.badRequest("sample_size applies to mode \"sample\" only");
        }
        if (mode == VerifyMode.SAMPLE) {
            sample = sample == null ? defaultSample : sample;
            if (sample < 1 || sample > MAX_SAMPLE) {
                throw ApiException.badRequest("sample_size must be between 1 and " + MAX_SAMPLE);
            }
        }
        Integer sampleSize = sample;
        return QuarkusTransaction.requiringNew().call(() -> {
            // locked: concurrent POSTs of one migration pass the check one after the other
            Migration m = Migration.findById(id, LockModeType.PESSIMISTIC_WRITE);
            if (m == null) {
                throw ApiException.notFound("migration " + migrationId + " not found");
            }
            Migrations.requireVerifiable(m);
            if (m.status == MigrationStatus.RUNNING && m.phase == MigrationPhase.SNAPSHOT) {
                throw ApiException.conflict("migration " + id + " is still copying its snapshot: verify it once it is syncing");
            }
            Instant now = Ids.now();
            Verification running = Verification.runningOf(id);
            if (running != null) {
                if (!running.isSilent(silence, now)) {
                    throw ApiException.conflict("a verification of migration " + id + " is already running: " + running.id);
                }
                running.end(silentReason(), now);
                Verification.flush(); // before the insert: one running verification per migration (unique index)
            }
            Verification v = Verification.start(id, mode, sampleSize, now);
            v.persist();
            // a cluster source: the verifier reads every master, each for its slots
            outbox.add(new VerifyRequest(v.id, m.id, m.source(), m.database.endpoint(), m.ignoredDbs(), mode, sampleSize,
                    m.sharded() ? m.shards.stream().map(s -> new VerifyRequest.SourceShard(s.master(m.source()), s.slots))
                            .toList() : null, m.selection()));
            LOG.infof("migration %s: verification %s (%s) requested", m.id, v.id, mode.wire());
            return v;
        });
    }

    private static VerifyMode mode(String text) {
        if (text == null || text.equals("full")) {
            return VerifyMode.FULL;
        }
        if (text.equals("sample")) {
            return VerifyMode.SAMPLE;
        }
        throw ApiException.badRequest("mode must be \"full\" or \"sample\"");
    }

    /** The latest verification of a migration. */
    @Transactional
    public Verification latest(String migrationId) {
        UUID id = Ids.parse("migration", migrationId);
        if (Migration.findById(id) == null) {
            throw ApiException.notFound("migration " + migrationId + " not found");
        }
        Verification v = Verification.latestOf(id);
        if (v == null) {
            throw ApiException.notFound("migration " + migrationId + " has no verification");
        }
        return v;
    }

    /** Applies a verifier's report. Reports are totals, so repeats do no harm. */
    @Transactional
    public void apply(VerifyReport report) {
        Verification v = Verification.findById(report.verificationId(), LockModeType.PESSIMISTIC_WRITE);
        if (v == null) {
            LOG.debugf("report of unknown verification %s ignored", report.verificationId());
            return;
        }
        if (v.apply(report, Ids.now()) && v.status != VerificationStatus.RUNNING) {
            LOG.infof("migration %s: verification %s %s%s", v.migrationId, v.id, v.status.wire(),
                    v.verdict != null ? ": " + v.verdict : v.error != null ? ": " + v.error : "");
        }
    }

    /** Running verifications that no verifier reports about any more end in error. */
    @Scheduled(every = "${redis-migrate.verify.silence-check}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @Transactional
    void endSilent() {
        Instant now = Ids.now();
        List<Verification> silent = Verification.find("status = ?1 and updatedAt < ?2", VerificationStatus.RUNNING,
                now.minus(silence)).withLock(LockModeType.PESSIMISTIC_WRITE).list();
        for (Verification v : silent) {
            v.end(silentReason(), now);
            LOG.warnf("migration %s: verification %s: %s", v.migrationId, v.id, v.error);
        }
    }

    private String silentReason() {
        return "no report from a verifier for " + silence.toSeconds() + " s (is a snapshot-worker running?)";
    }
}

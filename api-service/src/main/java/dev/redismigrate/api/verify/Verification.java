package dev.redismigrate.api.verify;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.VerifyMode;
import dev.redismigrate.common.contract.VerifyReport;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;

/** A comparison of a migration's source and target, run by a verifier (snapshot-worker). */
@Entity
@Table(name = "verification")
public class Verification extends PanacheEntityBase {
    @Id
    public UUID id;
    public UUID migrationId;
    @Enumerated(EnumType.STRING)
    public VerificationStatus status;
    @Enumerated(EnumType.STRING)
    public VerifyMode mode;
    public Integer sampleSize;
    public long keysChecked;
    public Long keysTotal;
    /** "equal" or "different", once done */
    public String verdict;
    public String error;
    /** the verifier's latest report, as JSON */
    public String report;
    public Instant createdAt;
    public Instant updatedAt;
    public Instant finishedAt;

    public static Verification start(UUID migrationId, VerifyMode mode, Integer sampleSize, Instant now) {
        Verification v = new Verification();
        v.id = UUID.randomUUID();
        v.migrationId = migrationId;
        v.status = VerificationStatus.RUNNING;
        v.mode = mode;
        v.sampleSize = sampleSize;
        v.createdAt = now;
        v.updatedAt = now;
        return v;
    }

    public static Verification runningOf(UUID migrationId) {
        return find("migrationId = ?1 and status = ?2", migrationId, VerificationStatus.RUNNING).firstResult();
    }

    public static Verification latestOf(UUID migrationId) {
        return find("migrationId = ?1 order by createdAt desc", migrationId).firstResult();
    }

    /** Applies a verifier's report; a verification that has ended takes no more. @return whether it changed */
    public boolean apply(VerifyReport r, Instant now) {
        if (status != VerificationStatus.RUNNING || r.state() == null) {
            return false;
        }
        updatedAt = now;
        keysChecked = r.keysChecked();
        keysTotal = r.keysTotal();
        report = MessageCodec.encode(r);
        switch (r.state()) {
            case DONE -> {
                status = VerificationStatus.DONE;
                verdict = r.verdict() == null ? null : r.verdict().name().toLowerCase(Locale.ROOT);
                finishedAt = now;
            }
            case ERROR -> end(r.error() == null || r.error().isBlank() ? "the verifier failed" : r.error(), now);
            default -> {
            }
        }
        return true;
    }

    /** A verifier reports every second: this long without a report, it is gone (or none runs). */
    public boolean isSilent(Duration silence, Instant now) {
        return status == VerificationStatus.RUNNING && updatedAt.plus(silence).isBefore(now);
    }

    public void end(String reason, Instant now) {
        status = VerificationStatus.ERROR;
        error = reason;
        updatedAt = now;
        finishedAt = now;
    }

    /** The latest report, or null before the first one. */
    public VerifyReport lastReport() {
        return report == null ? null : MessageCodec.decode(report, VerifyReport.class);
    }
}

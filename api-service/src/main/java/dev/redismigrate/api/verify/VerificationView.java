package dev.redismigrate.api.verify;

import dev.redismigrate.common.contract.VerifyReport;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A verification as the API shows it; {@code result} once it is done. */
public record VerificationView(UUID id, UUID migrationId, VerificationStatus status, String mode, Integer sampleSize,
        String verdict, Progress progress, Result result, String error, Instant createdAt, Instant updatedAt,
        Instant finishedAt) {

    /** @param mismatches found so far (keys that still differed after their re-checks) */
    public record Progress(long keysChecked, Long keysTotal, double percent, long keysRechecked, long mismatches) {
    }

    public record Result(String verdict, long keysChecked, VerifyReport.Mismatches mismatches,
            VerifyReport.Found unsettled, long keysRechecked, List<VerifyReport.DbKeys> keyspace, String valueMethod,
            Long ttlToleranceMs) {
    }

    public static VerificationView of(Verification v) {
        VerifyReport r = v.lastReport();
        long rechecked = r == null ? 0 : r.keysRechecked();
        long mismatches = r == null || r.mismatches() == null ? 0 : r.mismatches().total();
        Result result = v.status == VerificationStatus.DONE && r != null
                ? new Result(v.verdict, r.keysChecked(), r.mismatches(), r.unsettled(), rechecked, r.keyspace(),
                        r.valueMethod(), r.ttlToleranceMs())
                : null;
        return new VerificationView(v.id, v.migrationId, v.status, v.mode.wire(), v.sampleSize, v.verdict,
                new Progress(v.keysChecked, v.keysTotal, percent(v), rechecked, mismatches), result, v.error,
                v.createdAt, v.updatedAt, v.finishedAt);
    }

    static double percent(Verification v) {
        if (v.status == VerificationStatus.DONE) {
            return 100.0;
        }
        if (v.keysTotal == null || v.keysTotal <= 0) {
            return 0.0;
        }
        return Math.min(100.0, Math.floor(1000.0 * v.keysChecked / v.keysTotal) / 10.0);
    }
}

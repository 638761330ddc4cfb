package dev.redismigrate.api.preflight;

import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SpoolSpace;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The replication method spools the source's RDB on a snapshot worker's disk: the source's dataset
 * against the room the workers report ({@link SpoolSpaces}). A warning, not a failure: an RDB is
 * usually smaller than the dataset in memory (compact encodings, compression), so a dataset larger
 * than the room may still fit; an RDB that does not ends the copy in error with that reason.
 */
final class SpoolCheck {
    private SpoolCheck() {
    }

    static Check of(MigrationMethod method, long sourceDataset, List<SpoolSpace> reports) {
        if (method != MigrationMethod.REPLICATION) {
            return Check.pass("spool", "not used by the " + method.wire() + " method");
        }
        if (reports.isEmpty()) {
            return Check.warn("spool", "no snapshot worker reported its spool space in the last "
                    + SpoolSpaces.FRESH.toSeconds() + " s: whether the source's RDB (up to " + mb(sourceDataset)
                    + ") fits is unknown");
        }
        SpoolSpace best = reports.stream().max(Comparator.comparingLong(SpoolSpace::capacity)).orElseThrow();
        String figures = "source data " + mb(sourceDataset) + "; the roomiest snapshot worker's spool (" + best.worker()
                + ") takes " + mb(best.capacity()) + " (" + mb(best.freeBytes()) + " free disk, budget "
                + mb(best.budgetBytes()) + ")";
        if (sourceDataset > best.capacity()) {
            return Check.warn("spool", figures + ": the RDB, usually smaller than the data in memory, may not fit, and the"
                    + " copy would then end in error; raise redis-migrate.snapshot.spool-budget or free disk space in the"
                    + " spool directory (redis-migrate.snapshot.spool-directory)");
        }
        return Check.pass("spool", figures);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0);
    }
}

package dev.redismigrate.api.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.preflight.PreflightReport.Check;
import dev.redismigrate.api.preflight.PreflightReport.Result;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SpoolSpace;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The source's dataset against the snapshot workers' spool space. */
class SpoolCheckTest {
    private static final long MB = 1 << 20;

    @Test
    void aDatasetWithinTheRoomiestWorkersSpoolPasses() {
        Check check = SpoolCheck.of(MigrationMethod.REPLICATION, 100 * MB, List.of(
                new SpoolSpace("small", 50 * MB, 1000 * MB, 0), new SpoolSpace("large", 500 * MB, 200 * MB, 0)));
        assertEquals(Result.PASS, check.result(), check.message());
        assertTrue(check.message().contains("(large) takes 200.0 MB (500.0 MB free disk, budget 200.0 MB)"), check.message());
    }

    @Test
    void aDatasetLargerThanTheBudgetOrTheFreeDiskIsWarnedOf() {
        Check overBudget = SpoolCheck.of(MigrationMethod.REPLICATION, 100 * MB, List.of(new SpoolSpace("w", 500 * MB, 10 * MB, 0)));
        assertEquals(Result.WARN, overBudget.result());
        assertTrue(overBudget.message().contains("may not fit"), overBudget.message());
        Check overDisk = SpoolCheck.of(MigrationMethod.REPLICATION, 100 * MB, List.of(new SpoolSpace("w", 10 * MB, 500 * MB, 0)));
        assertEquals(Result.WARN, overDisk.result());
        assertTrue(overDisk.ok(), "a warning does not stop a start");
    }

    @Test
    void noReportMeansUnknownAndTheScanMethodSpoolsNothing() {
        Check unknown = SpoolCheck.of(MigrationMethod.REPLICATION, MB, List.of());
        assertEquals(Result.WARN, unknown.result());
        assertTrue(unknown.message().startsWith("no snapshot worker reported its spool space"), unknown.message());
        assertEquals(Result.PASS, SpoolCheck.of(MigrationMethod.SCAN, 100 * MB, List.of()).result());
    }
}

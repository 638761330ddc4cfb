package dev.redismigrate.api.preflight;

import java.util.List;

/** What a start of this migration would find: each check, and whether all of them pass. */
public record PreflightReport(boolean ok, List<Check> checks) {

    /** @param name stable, for scripts: source, target, versions, ignore_dbs, distinct, target_free */
    public record Check(String name, boolean ok, String message) {
    }

    static PreflightReport of(List<Check> checks) {
        return new PreflightReport(checks.stream().allMatch(Check::ok), checks);
    }
}

package dev.redismigrate.api.preflight;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.redismigrate.common.contract.MigrationMethod;
import java.util.List;
import java.util.Locale;

/**
 * What a start of this migration would find: each check, the worst result, and the method a start
 * would use (null when the source could not be asked). {@code ok} is false when a check fails; a
 * warning does not stop a start.
 */
public record PreflightReport(boolean ok, Result result, MigrationMethod method, List<Check> checks) {

    public enum Result {
        PASS,
        WARN,
        FAIL;

        @JsonValue
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param name stable, for scripts: source, target, cluster, versions, ignore_dbs, distinct, source_free,
     *        target_free, tls, dbs, memory, psync, scan, notifications, method, db_map, keys, spool
     * @param ok false only when the check fails
     */
    public record Check(String name, boolean ok, Result result, String message) {
        public static Check pass(String name, String message) {
            return new Check(name, true, Result.PASS, message);
        }

        public static Check warn(String name, String message) {
            return new Check(name, true, Result.WARN, message);
        }

        public static Check fail(String name, String message) {
            return new Check(name, false, Result.FAIL, message);
        }
    }

    static PreflightReport of(MigrationMethod method, List<Check> checks) {
        Result worst = checks.stream().map(Check::result).max(Enum::compareTo).orElse(Result.PASS);
        return new PreflightReport(worst != Result.FAIL, worst, method, checks);
    }
}

package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * What a verifier reports about a verification: while it runs (at least once a second) and once
 * at the end. Figures are totals so far, so a lost or repeated report does no harm. Keys are text:
 * UTF-8 as is, with backslash, control bytes and bytes that are not UTF-8 escaped ({@code \\},
 * {@code \xHH}). Never a password.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VerifyReport(
        @JsonProperty("verification_id") UUID verificationId,
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("state") State state,
        @JsonProperty("at") Instant at,
        @JsonProperty("worker") String worker,
        @JsonProperty("mode") VerifyMode mode,
        /** "digest-value" (DEBUG DIGEST-VALUE on both sides) or "type-wise" (values read and hashed here) */
        @JsonProperty("value_method") String valueMethod,
        @JsonProperty("ttl_tolerance_ms") Long ttlToleranceMs,
        /** source keys compared with the target */
        @JsonProperty("keys_checked") long keysChecked,
        /** keys to check: the source's keys in the migrated dbs (full), or the sample size */
        @JsonProperty("keys_total") Long keysTotal,
        /** keys that differed at first sight and were read again */
        @JsonProperty("keys_rechecked") long keysRechecked,
        @JsonProperty("mismatches") Mismatches mismatches,
        /** keys that kept changing on the source at every re-check: neither equal nor different */
        @JsonProperty("unsettled") Found unsettled,
        /** key counts per db, from INFO keyspace at the start */
        @JsonProperty("keyspace") List<DbKeys> keyspace,
        /** set with {@link State#DONE} */
        @JsonProperty("verdict") Verdict verdict,
        /** set with {@link State#ERROR}: why the verification could not run */
        @JsonProperty("error") String error) {

    public enum State {
        @JsonProperty("running")
        RUNNING,
        @JsonProperty("done")
        DONE,
        @JsonProperty("error")
        ERROR
    }

    public enum Verdict {
        @JsonProperty("equal")
        EQUAL,
        @JsonProperty("different")
        DIFFERENT
    }

    /** How many keys differ in one way, and the first of them (at most 100). */
    public record Found(@JsonProperty("count") long count, @JsonProperty("keys") List<Key> keys) {
        public static final Found NONE = new Found(0, List.of());
    }

    /** A key and its db; the key as text (see above). */
    public record Key(@JsonProperty("db") int db, @JsonProperty("key") String key) {
    }

    /**
     * By kind: missing on the target, extra on the target, another type, another value, a TTL
     * beyond the tolerance (or a TTL on one side only).
     */
    public record Mismatches(
            @JsonProperty("missing") Found missing,
            @JsonProperty("extra") Found extra,
            @JsonProperty("type") Found type,
            @JsonProperty("value") Found value,
            @JsonProperty("ttl") Found ttl) {

        public long total() {
            return missing.count() + extra.count() + type.count() + value.count() + ttl.count();
        }
    }

    /**
     * Keys of a migrated source db and of the target db it goes into ({@code target_db}, shown only where a
     * db_map sends it elsewhere), whole dbs (key filters not applied).
     */
    public record DbKeys(@JsonProperty("db") int db, @JsonProperty("source_keys") long sourceKeys,
            @JsonProperty("target_keys") long targetKeys,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("target_db") Integer targetDb) {
        public DbKeys(int db, long sourceKeys, long targetKeys) {
            this(db, sourceKeys, targetKeys, null);
        }
    }
}

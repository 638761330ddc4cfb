package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A snapshot worker's room for a source's RDB, reported every few seconds on {@link Topics#SPOOL_SPACE}
 * (key: the worker): the free disk space of its spool directory and its spool budget. The
 * api-service cannot see the worker's disk; its preflight weighs these reports against the source's
 * dataset.
 *
 * @param worker the worker instance (host and pid)
 * @param reportedAtMillis when it was measured (epoch milliseconds): an old report says nothing of now
 */
public record SpoolSpace(
        @JsonProperty("worker") String worker,
        @JsonProperty("free_bytes") long freeBytes,
        @JsonProperty("budget_bytes") long budgetBytes,
        @JsonProperty("reported_at") long reportedAtMillis) {

    /** The largest RDB the worker can spool now: the smaller of its free disk space and its budget. */
    @JsonIgnore
    public long capacity() {
        return Math.min(freeBytes, budgetBytes);
    }
}

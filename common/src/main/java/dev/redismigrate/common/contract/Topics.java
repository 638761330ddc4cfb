package dev.redismigrate.common.contract;

/** Kafka topic names; every service uses these (through its channel configuration). */
public final class Topics {
    /** api-service → snapshot-worker group: {@link SnapshotRequest}. */
    public static final String SNAPSHOT_REQUESTS = "redis-migrate.snapshot-requests";
    /** api-service → stream-worker group: {@link StreamRequest}. */
    public static final String STREAM_REQUESTS = "redis-migrate.stream-requests";
    /** api-service → every worker instance: {@link StopRequest}. */
    public static final String CONTROL = "redis-migrate.control";
    /** workers → api-service: {@link MigrationEvent}. */
    public static final String EVENTS = "redis-migrate.events";
    /** api-service → snapshot-worker group "verifier": {@link VerifyRequest}. */
    public static final String VERIFY_REQUESTS = "redis-migrate.verify-requests";
    /** verifier → api-service: {@link VerifyReport}. */
    public static final String VERIFY_REPORTS = "redis-migrate.verify-reports";
    /** every consumer → nobody: records a consumer could not use, parked with the reason in headers. */
    public static final String DEAD_LETTERS = "redis-migrate.dead-letters";

    /** snapshot-worker → api-service (key = the worker), every few seconds: {@link SpoolSpace}, for the preflight. */
    public static final String SPOOL_SPACE = "redis-migrate.spool-space";

    /** scan method: stream worker → itself (and the scan's end from snapshot-worker): {@link ChangedKey}. */
    public static final String CHANGED_KEYS = "redis-migrate.changed-keys";

    /** stream worker → a later attempt of it (compacted, key = migration): the offset its target holds. */
    public static final String STREAM_CHECKPOINTS = "redis-migrate.stream-checkpoints";

    /**
     * replication: the migration's change log, one topic per migration (this name + the migration id),
     * one partition: capture → apply, trimmed behind the applied checkpoint, deleted at the end.
     */
    public static final String CHANGE_LOG_PREFIX = "redis-migrate.change-log.";

    private Topics() {
    }
}

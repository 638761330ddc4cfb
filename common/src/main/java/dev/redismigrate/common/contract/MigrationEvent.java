package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.time.Instant;
import java.util.UUID;

/**
 * A status report from a worker. Fields that do not apply to the type are null. Progress figures
 * are totals so far (not deltas), so a lost or repeated event does no harm.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationEvent(
        @JsonProperty("migration_id") UUID migrationId,
        @JsonProperty("attempt") int attempt,
        @JsonProperty("type") EventType type,
        @JsonProperty("at") Instant at,
        @JsonProperty("worker") String worker,
        @JsonProperty("keys_copied") Long keysCopied,
        @JsonProperty("keys_total") Long keysTotal,
        @JsonProperty("bytes_copied") Long bytesCopied,
        @JsonProperty("offset") ReplicationOffset offset,
        @JsonProperty("lag_bytes") Long lagBytes,
        @JsonProperty("commands_applied") Long commandsApplied,
        @JsonProperty("message") String message,
        /** scan method: changed keys captured but not yet copied again */
        @JsonProperty("pending_keys") Long pendingKeys,
        /** scan method: age of the oldest change not yet copied again (0 when none is pending) */
        @JsonProperty("lag_seconds") Long lagSeconds,
        /** scan method: the part of a split scan the snapshot figures are of (absent: the whole) */
        @JsonProperty("part") Integer part,
        /** replication: source offset minus the offset captured into the change log, bytes (near 0 normally) */
        @JsonProperty("capture_lag_bytes") Long captureLagBytes,
        /** replication: captured minus applied offset, bytes: what waits in the change log */
        @JsonProperty("apply_lag_bytes") Long applyLagBytes,
        /** replication: age of the oldest captured command not applied yet (0 when none waits) */
        @JsonProperty("apply_lag_seconds") Double applyLagSeconds,
        /** the source shard of a cluster source the event is of (absent: a standalone source) */
        @JsonProperty("shard") Integer shard,
        /**
         * a cluster source's stream: the node it reads now ("host:port"), its shard's master, which a
         * failover moves (absent: the node the request named)
         */
        @JsonProperty("node") String node,
        /**
         * a cluster source shard's copy that read a replica which is gone (with OFFSET_LOST): the node its next copy
         * reads ("host:port", its master); absent otherwise
         */
        @JsonProperty("snapshot_node") String snapshotNode) {

    /** Of a standalone source (no shard). */
    public MigrationEvent(UUID migrationId, int attempt, EventType type, Instant at, String worker, Long keysCopied,
            Long keysTotal, Long bytesCopied, ReplicationOffset offset, Long lagBytes, Long commandsApplied, String message,
            Long pendingKeys, Long lagSeconds, Integer part, Long captureLagBytes, Long applyLagBytes, Double applyLagSeconds) {
        this(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied,
                message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, null, null, null);
    }

    public static MigrationEvent of(UUID migrationId, int attempt, EventType type, String worker) {
        return new MigrationEvent(migrationId, attempt, type, Instant.now(), worker, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public MigrationEvent withCopy(long keysCopied, long keysTotal, long bytesCopied) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    public MigrationEvent withOffset(ReplicationOffset offset) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    public MigrationEvent withStream(long commandsApplied, Long lagBytes) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    public MigrationEvent withMessage(String message) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    /** Scan method: keys re-copied so far, and what waits. */
    public MigrationEvent withChanges(long keysRecopied, long pendingKeys, long lagSeconds) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, keysRecopied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    public MigrationEvent withPart(int part) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    /** Replication: the lag in its two parts, capture (source → change log) and apply (change log → target). */
    public MigrationEvent withLagParts(Long captureLagBytes, Long applyLagBytes, Double applyLagSeconds) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    /** The shard the event is of: the worker stamps its request's shard on every event of the task. */
    public MigrationEvent withShard(Integer shard) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    /** The node a shard's next copy reads: its master, the replica the copy read being gone. */
    public MigrationEvent withSnapshotNode(String snapshotNode) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }

    /** The node the task reads now (a cluster shard's master, after a failover another node). */
    public MigrationEvent withNode(String node) {
        return new MigrationEvent(migrationId, attempt, type, at, worker, keysCopied, keysTotal, bytesCopied, offset, lagBytes, commandsApplied, message, pendingKeys, lagSeconds, part, captureLagBytes, applyLagBytes, applyLagSeconds, shard, node, snapshotNode);
    }
}

package dev.redismigrate.api.migration;

/**
 * A source shard as discovered at the start: what a {@code migration_shard} row begins with.
 *
 * @param snapshotHost, snapshotPort the node the snapshot reads: the master, or one of its replicas
 *        (read-from-replica spares the master the fork)
 */
public record ShardPlan(String nodeId, String masterHost, int masterPort, String snapshotHost, int snapshotPort,
        String slots) {
}

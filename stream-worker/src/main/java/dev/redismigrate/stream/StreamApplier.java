package dev.redismigrate.stream;

import java.util.Map;

import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.replication.ReplicationOffset;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;

/**
 * Applies the stream's commands to the target with a checkpoint the target holds, written with
 * the commands it covers: {@link CheckpointedApplier} for a standalone target (one transaction
 * per batch), {@link ClusterCheckpointedApplier} for a cluster (one transaction per master per
 * batch). Not thread-safe: callers synchronize on it.
 */
interface StreamApplier extends AutoCloseable {

    /**
     * Claims the target for this attempt and says where the apply starts (the target's checkpoint,
     * else the checkpoint log's, else {@code fallback}); null when a newer attempt owns the target.
     */
    ReplicationOffset claim(ReplicationOffset fallback);

    /** Takes what another instance left in the target as the checkpoint to expect from now on. */
    void adopt(StreamCheckpoint found);

    /** Adds one routed command; {@code end} is the source position once it is applied. */
    void apply(Entry entry, ReplicationOffset end);

    /** Notes a source position reached by commands that changed nothing (PING, ignored dbs). */
    void skipTo(ReplicationOffset end);

    /** Ends the open batch, unless a source transaction is still coming in. */
    void commitIfPossible();

    /** Waits for everything sent; raises what the target refused or a moved checkpoint. */
    void flush();

    long idleNanos();

    /**
     * Whether a batch is open or sent and not yet confirmed: then the target holds only
     * {@link #committed()}, else everything handed to {@link #apply} and {@link #skipTo}. Does not wait.
     */
    boolean inFlight();

    boolean holdsCheckpoint();

    long commandsApplied();

    /** Moves the checkpoint out of the target into the log: the stream is idle at {@code position}. */
    void removeCheckpoint(ReplicationOffset position);

    /**
     * The source position the target (or, once idle, the checkpoint log) is known to hold: what a
     * confirmed batch covers. The change log may be trimmed up to it, never further: commands
     * routed but not yet confirmed (an open source transaction, a batch in flight) stay in Kafka.
     */
    ReplicationOffset committed();

    /**
     * What the change log may be trimmed up to: {@link #committed()}, and for a target whose failover
     * can lose acknowledged writes, only once its replicas hold them too. Called every few seconds, and
     * each second while an idle stream holds its checkpoint.
     */
    default ReplicationOffset durable() {
        return committed();
    }

    /**
     * The target's {@code INFO keyspace} per part that loses its data on its own, which an idle stream
     * watches for a target that lost its data ({@link IdleTargetWatch}): a standalone target's one
     * ({@link IdleTargetWatch#whole}), a cluster's per shard, named by its slots (a failover moves a
     * shard to another node, not its slots).
     */
    Map<String, Map<String, String>> targetKeyspaces();

    /**
     * Whether the last failure was the target going away rather than a refusal: a lost connection, a
     * node that did not answer, a slot moved to another node (a failover). Then the stream reconnects
     * and resumes from the checkpoints. The standalone target's is told by its link instead.
     */
    default boolean lostTarget() {
        return false;
    }

    /** Whether an idle stream's checkpoint may leave the target now: its replicas hold every batch (a standalone target's). */
    default boolean replicasHoldCommitted() {
        return true;
    }

    /**
     * After a reconnect and {@link #claim}: why the target cannot go on from what it holds now, null
     * if it can. It lost data meanwhile if it lacks a checkpoint {@code before} (the applier of the
     * lost connection) knew it held, or holds an older one whose following commands the change log no
     * longer has.
     */
    default String lostSince(StreamApplier before) {
        return before.holdsCheckpoint() && !holdsCheckpoint() ? "it came back without this migration's checkpoint" : null;
    }

    /** Closes its connections to the target (its writer's socket; a cluster's links to the masters). */
    @Override
    default void close() {
    }
}

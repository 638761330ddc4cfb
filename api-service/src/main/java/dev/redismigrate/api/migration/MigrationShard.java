package dev.redismigrate.api.migration;

import dev.redismigrate.common.redis.RedisEndpoint;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * One source shard of a cluster source: its own unit of work (snapshot, then stream), its node,
 * slots, offset and lag. The migration's figures are the sums of its shards'; a standalone source
 * has none (its migration row is its one shard). State only: {@link MigrationWorkflow} changes it.
 */
@Entity
@Table(name = "migration_shard")
public class MigrationShard extends PanacheEntityBase {
    @Id
    public UUID id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "migration_id")
    public Migration migration;
    /** 0..n-1, the order of the shards as discovered; the workers' requests and events carry it */
    @Column(name = "shard_index")
    public int index;
    /** the master's cluster node id at the start */
    public String nodeId;
    /** the stream follows the master (a failover moves it: the stream worker reports the new one) */
    public String masterHost;
    public int masterPort;
    /** the snapshot reads this node: the master, or a replica (read-from-replica) */
    public String snapshotHost;
    public int snapshotPort;
    /** the slot ranges the shard served at the start ("0-5460,6000") */
    public String slots;
    /**
     * the shard's own attempt: its requests and events carry it, so a hand-over (or a new copy) of
     * one shard leaves the others' tasks alone; given from the migration's counter
     */
    public int attempt;
    @Enumerated(EnumType.STRING)
    public MigrationPhase phase;
    /** this attempt's stream of the shard has started (STREAM_STARTED or a stream report) */
    public boolean streaming;
    public long keysCopied;
    public Long keysTotal;
    public long bytesCopied;
    public String replId;
    public Long replOffset;
    public Integer replDb;
    /** replication: the stream's lag in bytes; scan method: the changed keys not yet copied again ({@link #scanLagKeys}) */
    public Long lagBytes;
    public Long captureLagBytes;
    public Long applyLagBytes;
    public Double applyLagSeconds;
    public long commandsApplied;
    /** the worker's time of the shard's latest report: a shard silent too long is handed over */
    public Instant reportedAt;
    /** a completion under way: the master's offset (read while every master was paused) this shard's apply must reach */
    public Long completionOffset;
    /** that offset's replication id: an offset of another history cannot be compared */
    public String completionReplId;

    /**
     * Scan method: the lag is counted in keys (changed, not yet copied again) and the age of the oldest
     * of them. A scan has no byte lag, so the shard keeps them in the lag columns the replication stream
     * uses (lag_bytes, apply_lag_seconds) rather than in columns of their own (a schema change).
     */
    void scanLag(long pendingKeys, Long oldestSeconds) {
        lagBytes = pendingKeys;
        applyLagSeconds = oldestSeconds == null ? null : oldestSeconds.doubleValue();
    }

    /** Scan method: changed keys not yet copied again, or null before the shard's first report. */
    Long scanLagKeys() {
        return lagBytes;
    }

    /** Scan method: the age of the oldest of them, in seconds. */
    Long scanLagSeconds() {
        return applyLagSeconds == null ? null : applyLagSeconds.longValue();
    }

    /** The master, with the migration's credentials and TLS. */
    public RedisEndpoint master(RedisEndpoint seed) {
        return new RedisEndpoint(masterHost, masterPort, seed.username(), seed.sealedPassword(), seed.tls());
    }

    /** The node the snapshot reads, with the migration's credentials and TLS. */
    public RedisEndpoint snapshotNode(RedisEndpoint seed) {
        return new RedisEndpoint(snapshotHost, snapshotPort, seed.username(), seed.sealedPassword(), seed.tls());
    }

    /** Whether this shard's apply has reached the offset a completion waits for. */
    boolean completionOffsetReached() {
        return completionOffset != null && replOffset != null && replOffset >= completionOffset
                && completionReplId.equals(replId);
    }

    public boolean readsReplica() {
        return !(snapshotHost.equals(masterHost) && snapshotPort == masterPort);
    }

    /** "shard 1 (slots 5461-10922, master 127.0.0.1:7001)" for the history. */
    public String describe() {
        return "shard " + index + " (slots " + slots + ", master " + address(masterHost, masterPort) + ")";
    }

    static String address(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * The stream worker follows the shard's master across a failover and reports the node it reads
     * ("host:port"): the stream's next request, and a new copy, go there. A snapshot that read the old
     * master reads the new one. @return whether the master moved
     */
    boolean masterMovedTo(String node) {
        if (node == null || node.equals(address(masterHost, masterPort))) {
            return false;
        }
        int colon = node.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        String host = node.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(node.substring(colon + 1));
        if (!readsReplica() || (snapshotHost.equals(host) && snapshotPort == port)) {
            snapshotHost = host;
            snapshotPort = port;
        }
        masterHost = host;
        masterPort = port;
        return true;
    }

    /**
     * A snapshot that read a replica lost it (the worker's OFFSET_LOST names the node to read next, the shard's
     * master): the shard's next copy reads that node. @return whether it moved
     */
    boolean snapshotMovedTo(String node) {
        if (node == null || node.equals(address(snapshotHost, snapshotPort))) {
            return false;
        }
        int colon = node.lastIndexOf(':');
        if (colon <= 0) {
            return false;
        }
        snapshotHost = node.substring(0, colon).replace("[", "").replace("]", "");
        snapshotPort = Integer.parseInt(node.substring(colon + 1));
        return true;
    }

    /** Back to the start of a copy (a new full snapshot of the shard). */
    void restart() {
        phase = MigrationPhase.SNAPSHOT;
        streaming = false;
        keysCopied = 0;
        keysTotal = null;
        bytesCopied = 0;
        replId = null;
        replOffset = null;
        replDb = null;
        lagBytes = null;
        captureLagBytes = null;
        applyLagBytes = null;
        applyLagSeconds = null;
    }
}

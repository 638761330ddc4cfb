package dev.redismigrate.api.migration;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.limits.Limits;
import dev.redismigrate.common.contract.SnapshotLoad;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.redis.RedisEndpoint;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.CascadeType;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hibernate.annotations.Fetch;
import org.hibernate.annotations.FetchMode;

/**
 * An online migration of a source into a target: its state only. How the workers' events change it
 * is {@link MigrationWorkflow}'s; queries over migrations are {@link Migrations}'.
 */
@Entity
@Table(name = "migration")
public class Migration extends PanacheEntityBase {
    @Id
    public UUID id;
    @ManyToOne(fetch = FetchType.LAZY, optional = false)
    @JoinColumn(name = "database_id")
    public TargetDatabase database;
    @Enumerated(EnumType.STRING)
    public MigrationStatus status;
    @Enumerated(EnumType.STRING)
    public MigrationPhase phase;
    /** events of another attempt are stale */
    public int attempt;
    public String sourceHost;
    public int sourcePort;
    public String sourceUsername;
    public String sourceSealedPassword;
    public boolean sourceTls;
    /**
     * The source's and the target's run_id when the migration started (null for migrations recorded
     * before): the rules on which servers may take part compare these, not addresses. A server
     * restarted since has a new run_id: it no longer counts as that migration's server.
     */
    public String sourceServerId;
    public String targetServerId;
    public int[] ignoreDbs;
    /** include_keys, exclude_keys, db_map, allow_merge as JSON (null: every key, each db into its own number) */
    public String keySelection;
    @Enumerated(EnumType.STRING)
    public MigrationMethod method;
    /** replication: how the RDB gets into the target (null: restore, key by key) */
    @Enumerated(EnumType.STRING)
    public SnapshotLoad snapshotLoad;
    /** scan method: in how many parts the scan runs, and each part's figures */
    @Embedded
    public ScanPartProgress parts = new ScanPartProgress();
    /** scan method: whether this attempt's scan was asked for (a repeated CAPTURE_STARTED must not start another) */
    public boolean scanRequested;
    public long keysCopied;
    public Long keysTotal;
    public long bytesCopied;
    public String replId;
    public Long replOffset;
    public Integer replDb;
    public Long lagBytes;
    /** replication: source offset minus what the change log holds (near 0), and what waits there for the target */
    public Long captureLagBytes;
    public Long applyLagBytes;
    /** replication: age of the oldest captured command not applied yet */
    public Double applyLagSeconds;
    /** when the stream was last seen caught up (lag 0), or began */
    public Instant caughtUpAt;
    /** scan method: changed keys not yet copied again, and the age of the oldest in seconds */
    public Long lagKeys;
    public Long lagSeconds;
    public long commandsApplied;
    public String error;
    public Instant createdAt;
    public Instant updatedAt;
    /** when a worker first started on it (the capture, or the copy) */
    public Instant startedAt;
    /** when the current copy began (a copy that starts over begins again) */
    public Instant copyStartedAt;
    public Double keysPerSecond;
    public Instant stopsAt;
    /** limits.keys_per_second and limits.commands_per_second (0: unlimited) */
    public long limitKeysPerSecond;
    public long limitCommandsPerSecond;
    /** the step of a completion under way (POST .../complete), or null */
    @Enumerated(EnumType.STRING)
    public CompletionStep completionStep;
    /** replication: the source's offset (read while paused) that the apply must reach */
    public Long completionOffset;
    /** the source's replication id with that offset: an offset of another history cannot be compared */
    public String completionReplId;
    /** when the completion began (the pause's start, when paused) */
    public Instant completionBeganAt;
    /** the completion gives up at this time (its timeout, or the pause's end) */
    public Instant completionDeadline;
    /** why the latest completion did not end the migration, or how it ended */
    public String completionNote;
    public Instant completedAt;
    /** replication: the source offset the target holds everything up to, once completed */
    public Long finalOffset;
    /** the worker's time of its latest stream report */
    public Instant streamReportedAt;
    /**
     * a cluster source: one unit of work per source shard; empty for a standalone source. Loaded with
     * the migration, by a select of its own (a join would meet the row locks taken on migrations), as
     * views are built after their transaction has ended.
     */
    @OneToMany(mappedBy = "migration", cascade = CascadeType.ALL, orphanRemoval = true, fetch = FetchType.EAGER)
    @Fetch(FetchMode.SELECT)
    @OrderBy("index")
    public List<MigrationShard> shards = new ArrayList<>();

    public RedisEndpoint source() {
        return new RedisEndpoint(sourceHost, sourcePort, sourceUsername, sourceSealedPassword, sourceTls);
    }

    public Set<Integer> ignoredDbs() {
        return Arrays.stream(ignoreDbs).boxed().collect(Collectors.toCollection(TreeSet::new));
    }

    public KeySelection selection() {
        return keySelection == null ? KeySelection.ALL : MessageCodec.decode(keySelection, KeySelection.class);
    }

    public void selection(KeySelection selection) {
        keySelection = selection.equals(KeySelection.ALL) ? null : MessageCodec.encode(selection);
    }

    public Limits limits() {
        return new Limits(limitKeysPerSecond, limitCommandsPerSecond);
    }

    public void limits(Limits limits) {
        limitKeysPerSecond = limits.keysPerSecond();
        limitCommandsPerSecond = limits.commandsPerSecond();
    }

    public boolean isActive() {
        return status.isActive();
    }

    /** A cluster source, copied shard by shard. */
    public boolean sharded() {
        return !shards.isEmpty();
    }

    /** The shard of a worker's event, or null (not a shard of this migration). */
    public MigrationShard shard(Integer index) {
        return index == null || index < 0 || index >= shards.size() ? null : shards.get(index);
    }

    public boolean byScan() {
        return method == MigrationMethod.SCAN;
    }
}

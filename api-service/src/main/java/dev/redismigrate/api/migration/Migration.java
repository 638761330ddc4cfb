package dev.redismigrate.api.migration;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.StopRequest;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.replication.ReplicationOffset;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * An online migration of a source into a target, and the rules of how the workers' events move
 * it along. The rules touch no database or broker, so plain unit tests cover them.
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
    @Enumerated(EnumType.STRING)
    public MigrationMethod method;
    /** scan method: in how many parts the scan runs (1: whole); each part's figures, and which completed (bits) */
    public int scanParts;
    public long[] partKeysCopied;
    public long[] partKeysTotal;
    public long[] partBytesCopied;
    public long partsCompleted;
    /** scan method: whether this attempt's scan was asked for (a repeated CAPTURE_STARTED must not start another) */
    public boolean scanRequested;
    public long keysCopied;
    public Long keysTotal;
    public long bytesCopied;
    public String replId;
    public Long replOffset;
    public Integer replDb;
    public Long lagBytes;
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

    public static Migration start(TargetDatabase target, RedisEndpoint source, Set<Integer> ignoreDbs,
            MigrationMethod method, int scanParts, Instant now, Duration maxDuration) {
        return start(target, source, null, null, ignoreDbs, method, scanParts, now, maxDuration);
    }

    /** @param sourceServerId, targetServerId the servers' run_ids as the preflight read them (null: unknown) */
    public static Migration start(TargetDatabase target, RedisEndpoint source, String sourceServerId,
            String targetServerId, Set<Integer> ignoreDbs, MigrationMethod method, int scanParts, Instant now,
            Duration maxDuration) {
        Migration m = new Migration();
        m.sourceServerId = sourceServerId;
        m.targetServerId = targetServerId;
        m.method = method;
        m.scanParts = scanParts;
        m.resetParts();
        m.id = UUID.randomUUID();
        m.database = target;
        m.status = MigrationStatus.RUNNING;
        m.phase = MigrationPhase.SNAPSHOT;
        m.attempt = 1;
        m.sourceHost = source.host();
        m.sourcePort = source.port();
        m.sourceUsername = source.username();
        m.sourceSealedPassword = source.sealedPassword();
        m.sourceTls = source.tls();
        m.ignoreDbs = ignoreDbs.stream().mapToInt(Integer::intValue).sorted().toArray();
        m.createdAt = now;
        m.updatedAt = now;
        m.stopsAt = now.plus(maxDuration);
        return m;
    }

    /** The active migration of a target, or null. */
    public static Migration activeOf(UUID databaseId) {
        return find("database.id = ?1 and status in ?2", databaseId, MigrationStatus.ACTIVE).firstResult();
    }

    /** Active migrations that write into the server with that run_id (through any registration of it). */
    public static List<Migration> activeInto(String serverId) {
        return serverId == null ? List.of() : find("from Migration m join fetch m.database where m.targetServerId = ?1 "
                + "and m.status in ?2 order by m.createdAt", serverId, MigrationStatus.ACTIVE).list();
    }

    /** Active migrations that read from the server with that run_id. */
    public static List<Migration> activeFrom(String serverId) {
        return serverId == null ? List.of() : find("from Migration m join fetch m.database where m.sourceServerId = ?1 "
                + "and m.status in ?2 order by m.createdAt", serverId, MigrationStatus.ACTIVE).list();
    }

    /**
     * Orders the starts that involve these servers until the current transaction ends (PostgreSQL
     * advisory locks, taken in one order so two starts cannot wait on each other): a start checks
     * which migrations use its servers, then inserts; two at once must not both pass the check.
     */
    public static void lockServers(String... serverIds) {
        java.util.Arrays.stream(serverIds).filter(java.util.Objects::nonNull).distinct().sorted().forEach(id ->
                getEntityManager().createNativeQuery("select 1 from (select pg_advisory_xact_lock(hashtext(?1))) locked")
                        .setParameter(1, "redis-migrate server " + id).getSingleResult());
    }

    public RedisEndpoint source() {
        return new RedisEndpoint(sourceHost, sourcePort, sourceUsername, sourceSealedPassword, sourceTls);
    }

    public Set<Integer> ignoredDbs() {
        return Arrays.stream(ignoreDbs).boxed().collect(Collectors.toCollection(TreeSet::new));
    }

    public boolean isActive() {
        return status.isActive();
    }

    public SnapshotRequest snapshotRequest() {
        return new SnapshotRequest(id, attempt, source(), database.endpoint(), ignoredDbs(), method, null, null);
    }

    /** The snapshot, or for a split scan one request per part (each taken by any snapshot-worker instance). */
    public List<Object> snapshotRequests() {
        if (scanParts <= 1) {
            return List.of(snapshotRequest());
        }
        List<Object> parts = new ArrayList<>(scanParts);
        for (int part = 0; part < scanParts; part++) {
            parts.add(new SnapshotRequest(id, attempt, source(), database.endpoint(), ignoredDbs(), method, part, scanParts));
        }
        return parts;
    }

    /**
     * What starts an attempt from the beginning: the snapshot (replication); for scan the change
     * capture, which must listen before the scan starts (CAPTURE_STARTED then asks for the scan).
     */
    public Object firstRequest() {
        return byScan() ? new StreamRequest(id, attempt, source(), database.endpoint(), ignoredDbs(), null, method, scanParts)
                : snapshotRequest();
    }

    private boolean byScan() {
        return method == MigrationMethod.SCAN;
    }

    /** Ends an active migration (canceled, or done at stops_at); the workers must stop. */
    public StopRequest end(MigrationStatus end, String reason, Instant now) {
        status = end;
        phase = MigrationPhase.STOPPED;
        updatedAt = now;
        return new StopRequest(id, reason);
    }

    /**
     * Hands a migration whose worker fell silent to another instance: a new attempt of the same
     * phase (the stream from the last offset reported; the target's checkpoint refines it), and
     * a stop for the older attempt in case it is still alive.
     */
    public List<Object> reassign(Instant now) {
        attempt++;
        updatedAt = now;
        StopRequest stopOlder = new StopRequest(id, "handed over to attempt " + attempt, attempt);
        if (byScan()) {
            // changes nobody listened to meanwhile are lost for good: only a new copy is exact again
            restartCopy();
            return List.of(stopOlder, firstRequest());
        }
        Object next = phase == MigrationPhase.STREAM
                ? new StreamRequest(id, attempt, source(), database.endpoint(), ignoredDbs(), new ReplicationOffset(replId, replOffset, replDb))
                : snapshotRequest();
        return List.of(stopOlder, next);
    }

    /** Applies a worker's report. Progress figures are totals, so repeats do no harm. */
    public EventOutcome apply(MigrationEvent event, Instant now) {
        if (event.attempt() != attempt) {
            // an older attempt that starts late (a redelivered request) must not write beside the current one
            boolean olderStarts = event.attempt() < attempt && (event.type() == EventType.SNAPSHOT_STARTED
                    || event.type() == EventType.STREAM_STARTED || event.type() == EventType.CAPTURE_STARTED);
            return olderStarts ? new EventOutcome(null, new StopRequest(id, "superseded by attempt " + attempt, attempt))
                    : EventOutcome.NONE;
        }
        if (!isActive()) {
            // a worker that starts late (e.g. a redelivered request) must not go on with an ended migration
            boolean started = switch (event.type()) {
                case SNAPSHOT_STARTED, STREAM_STARTED, CAPTURE_STARTED -> true;
                default -> false;
            };
            return started ? new EventOutcome(null, new StopRequest(id, "the migration is " + status.wire()))
                    : EventOutcome.NONE;
        }
        updatedAt = now;
        String by = event.worker() == null ? "" : " (" + event.worker() + ")";
        switch (event.type()) {
            case CAPTURE_STARTED:
                if (startedAt == null) {
                    startedAt = now;
                }
                if (!byScan() || phase != MigrationPhase.SNAPSHOT || scanRequested) {
                    return EventOutcome.NONE;
                }
                scanRequested = true;
                return new EventOutcome("capture of changed keys started" + by + (event.message() == null ? ""
                        : " (" + event.message() + ")") + "; the scan may start"
                        + (scanParts > 1 ? " in " + scanParts + " parts" : ""), snapshotRequests());
            case SNAPSHOT_STARTED:
                if (startedAt == null) {
                    startedAt = now;
                }
                // the first part of a split scan, or a copy that starts over from nothing
                if (copyStartedAt == null || (scanParts <= 1 && Long.valueOf(0).equals(event.keysCopied()))) {
                    copyStartedAt = workerTime(event, now);
                }
                copied(event, now);
                // the message says why, when a copy starts over (the source cut the link)
                return new EventOutcome("snapshot started" + partOf(event)
                        + (event.message() == null ? "" : ": " + event.message()) + by, null);
            case SNAPSHOT_PROGRESS:
                copied(event, now);
                return EventOutcome.NONE;
            case SNAPSHOT_COMPLETED:
                copied(event, now);
                if (phase != MigrationPhase.SNAPSHOT) {
                    return EventOutcome.NONE; // a repeat: the stream was requested already
                }
                if (byScan()) {
                    if (event.part() != null && scanParts > 1) {
                        partsCompleted |= 1L << event.part();
                        if (Long.bitCount(partsCompleted) < scanParts) {
                            return new EventOutcome("scan" + partOf(event) + " completed" + by, null);
                        }
                    }
                    // the capture runs already; it copies the changed keys again once it reads the scan's end
                    phase = MigrationPhase.STREAM;
                    return new EventOutcome("scan completed: " + keysCopied + " keys copied" + by, null);
                }
                if (event.offset() == null) {
                    fail("the snapshot completed without a replication offset");
                    return new EventOutcome(error, null);
                }
                offset(event.offset());
                phase = MigrationPhase.STREAM;
                return new EventOutcome("snapshot completed at " + event.offset() + by,
                        new StreamRequest(id, attempt, source(), database.endpoint(), ignoredDbs(), event.offset()));
            case STREAM_STARTED:
                status = MigrationStatus.SYNCING;
                if (caughtUpAt == null) {
                    caughtUpAt = now;
                }
                return new EventOutcome("stream started" + by, null);
            case STREAM_PROGRESS:
                status = MigrationStatus.SYNCING;
                if (event.offset() != null) {
                    offset(event.offset());
                }
                if (event.lagBytes() != null) {
                    lagBytes = event.lagBytes();
                    if (lagBytes == 0 || caughtUpAt == null) {
                        caughtUpAt = now;
                    }
                }
                if (event.commandsApplied() != null) {
                    commandsApplied = event.commandsApplied();
                }
                if (event.pendingKeys() != null) {
                    lagKeys = event.pendingKeys();
                    lagSeconds = event.lagSeconds();
                }
                return EventOutcome.NONE;
            case OFFSET_LOST:
                // the stream cannot continue: copy everything again (attempt n+1 empties the migrated dbs first)
                attempt++;
                restartCopy();
                return new EventOutcome((event.message() == null ? "the stream lost its offset" : event.message())
                        + by + ": a new full snapshot, attempt " + attempt,
                        List.of(new StopRequest(id, "superseded by attempt " + attempt, attempt), firstRequest()));
            case FAILED:
                fail(event.message() == null || event.message().isBlank() ? "the worker failed" : event.message());
                // scan: the other worker (capture or scan) of this attempt still runs
                return new EventOutcome(error + by, byScan() ? new StopRequest(id, "the migration failed") : null);
            case STOPPED:
                return new EventOutcome("worker stopped" + by, null);
            default:
                return EventOutcome.NONE;
        }
    }

    private void restartCopy() {
        resetParts();
        scanRequested = false;
        phase = MigrationPhase.SNAPSHOT;
        status = MigrationStatus.RUNNING;
        keysCopied = 0;
        bytesCopied = 0;
        replId = null;
        replOffset = null;
        replDb = null;
        lagKeys = null;
        lagSeconds = null;
        caughtUpAt = null;
        copyStartedAt = null;
        keysPerSecond = null;
    }

    private void resetParts() {
        partKeysCopied = new long[scanParts];
        partKeysTotal = new long[scanParts];
        partBytesCopied = new long[scanParts];
        partsCompleted = 0;
    }

    private String partOf(MigrationEvent event) {
        return event.part() == null || scanParts <= 1 ? "" : " (part " + (event.part() + 1) + " of " + scanParts + ")";
    }

    /** A part's figures are its own totals: the migration's are their sums. */
    private void copied(MigrationEvent event, Instant now) {
        count(event);
        // the average since the round began, by the worker's clock (its events may reach us in a burst)
        long millis = copyStartedAt == null ? 0 : Duration.between(copyStartedAt, workerTime(event, now)).toMillis();
        if (millis >= 200) {
            keysPerSecond = keysCopied / (millis / 1000.0);
        }
    }

    private static Instant workerTime(MigrationEvent event, Instant now) {
        return event.at() == null ? now : event.at();
    }

    private void count(MigrationEvent event) {
        if (event.part() != null && scanParts > 1) {
            int p = event.part();
            partKeysCopied[p] = event.keysCopied() == null ? partKeysCopied[p] : event.keysCopied();
            partKeysTotal[p] = event.keysTotal() == null ? partKeysTotal[p] : event.keysTotal();
            partBytesCopied[p] = event.bytesCopied() == null ? partBytesCopied[p] : event.bytesCopied();
            keysCopied = Arrays.stream(partKeysCopied).sum();
            keysTotal = Arrays.stream(partKeysTotal).sum();
            bytesCopied = Arrays.stream(partBytesCopied).sum();
            return;
        }
        if (event.keysCopied() != null) {
            keysCopied = event.keysCopied();
        }
        if (event.keysTotal() != null) {
            keysTotal = event.keysTotal();
        }
        if (event.bytesCopied() != null) {
            bytesCopied = event.bytesCopied();
        }
    }

    private void offset(ReplicationOffset offset) {
        replId = offset.replId();
        replOffset = offset.offset();
        replDb = offset.db();
    }

    private void fail(String reason) {
        status = MigrationStatus.ERROR;
        phase = MigrationPhase.STOPPED;
        error = reason;
    }
}

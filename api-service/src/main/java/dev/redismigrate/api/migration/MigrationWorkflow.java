package dev.redismigrate.api.migration;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.LimitsRequest;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.contract.StopRequest;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.contract.WorkerCommand;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * How a migration moves along: its start, the workers' events, a hand-over to another worker, its
 * end. Each step changes the migration's state and returns the commands for the workers, in order.
 * It touches no database or broker (the caller stores the state and queues the commands in one
 * transaction), so plain unit tests cover it.
 *
 * <p>Replication: snapshot (one RDB), then the stream from the snapshot's offset. Scan: the change
 * capture first (it must listen before the scan starts), then the scan (whole, or in parts side by
 * side); the capture re-copies the changed keys once the scan has ended.
 *
 * <p>A cluster source is one unit of work per source shard: by replication each shard's snapshot
 * (from its master, or a replica), then its stream from its master; by scan each shard's capture (its
 * master's notifications), then its scan (of its master, or a replica); as separate requests keyed by
 * shard, so the workers' consumer groups spread the shards over their instances. Events carry the
 * shard; the migration's figures are the shards' ({@link ShardFigures}). A standalone source is the
 * one-shard case without shard rows: its requests and events carry no shard.
 */
public final class MigrationWorkflow {
    private final Migration m;

    public MigrationWorkflow(Migration migration) {
        this.m = migration;
    }

    /** A standalone source. */
    public static Migration start(TargetDatabase target, RedisEndpoint source, String sourceServerId,
            String targetServerId, Set<Integer> ignoreDbs, MigrationMethod method, int scanParts, Instant now,
            Duration maxDuration) {
        return start(target, source, sourceServerId, targetServerId, ignoreDbs, method, scanParts, now, maxDuration, List.of());
    }

    /**
     * @param sourceServerId, targetServerId the servers' run_ids as the preflight read them (null: unknown)
     * @param shards a cluster source's shards (replication only); empty for a standalone source
     */
    public static Migration start(TargetDatabase target, RedisEndpoint source, String sourceServerId,
            String targetServerId, Set<Integer> ignoreDbs, MigrationMethod method, int scanParts, Instant now,
            Duration maxDuration, List<ShardPlan> shards) {
        Migration m = new Migration();
        m.id = UUID.randomUUID();
        m.database = target;
        m.sourceServerId = sourceServerId;
        m.targetServerId = targetServerId;
        m.method = method;
        m.parts = ScanPartProgress.of(scanParts);
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
        for (ShardPlan plan : shards) {
            MigrationShard shard = new MigrationShard();
            shard.id = UUID.randomUUID();
            shard.migration = m;
            shard.index = m.shards.size();
            shard.nodeId = plan.nodeId();
            shard.masterHost = plan.masterHost();
            shard.masterPort = plan.masterPort();
            shard.snapshotHost = plan.snapshotHost();
            shard.snapshotPort = plan.snapshotPort();
            shard.slots = plan.slots();
            shard.attempt = m.attempt;
            shard.restart();
            shard.reportedAt = now; // a shard that never reports is silent from its start
            m.shards.add(shard);
        }
        return m;
    }

    /**
     * What starts an attempt from the beginning: the snapshot (replication); for scan the change
     * capture, which must listen before the scan starts (CAPTURE_STARTED then asks for the scan).
     */
    public List<WorkerCommand> firstCommands() {
        if (m.sharded()) {
            return m.shards.stream().<WorkerCommand>map(s -> m.byScan() ? shardCapture(s) : shardSnapshot(s)).toList();
        }
        return List.of(firstCommand());
    }

    WorkerCommand firstCommand() {
        return m.byScan() ? new StreamRequest(m.id, m.attempt, m.source(), m.database.endpoint(), m.ignoredDbs(), null,
                m.method, m.parts.count(), null, m.selection()) : snapshot(null);
    }

    /** The limits for the workers (every instance keeps them for the migration's tasks), or null when unlimited. */
    public LimitsRequest limitsCommand() {
        return m.limits().any() ? new LimitsRequest(m.id, m.limits()) : null;
    }

    /** Ends an active migration (canceled, or done at stops_at); the workers must stop. */
    public StopRequest end(MigrationStatus end, String reason, Instant now) {
        m.status = end;
        m.phase = MigrationPhase.STOPPED;
        m.updatedAt = now;
        return new StopRequest(m.id, reason);
    }

    /** Hands every shard (or the whole migration) over: see {@link #reassign(Instant, Instant)}. */
    public List<WorkerCommand> reassign(Instant now) {
        return reassign(now, now);
    }

    /**
     * Hands a migration whose worker fell silent to another instance: a new attempt of the same
     * phase (the stream from the last offset reported; the target's checkpoint refines it), and
     * a stop for the older attempt in case it is still alive. A cluster source hands over only its
     * shards silent since {@code silentSince} (all of them when none is: the migration itself fell
     * silent), each to a new attempt of its own; the other shards' tasks go on untouched.
     */
    public List<WorkerCommand> reassign(Instant now, Instant silentSince) {
        m.attempt++;
        m.updatedAt = now;
        List<WorkerCommand> commands = new ArrayList<>();
        if (!m.sharded()) {
            commands.add(new StopRequest(m.id, "handed over to attempt " + m.attempt, m.attempt));
        }
        // another instance (perhaps new, which has not heard the limits) takes it over
        if (limitsCommand() != null) {
            commands.add(limitsCommand());
        }
        if (m.byScan()) {
            // changes nobody listened to meanwhile are lost for good: only a new copy is exact again,
            // of every shard (a shard's capture cannot tell which of its keys changed unheard)
            if (m.sharded()) {
                commands.add(0, new StopRequest(m.id, "handed over to attempt " + m.attempt, m.attempt));
            }
            restartCopy();
            m.shards.forEach(s -> {
                s.reportedAt = now;
                s.attempt = m.attempt;
            });
            commands.addAll(firstCommands());
            return commands;
        }
        if (m.sharded()) {
            List<MigrationShard> silent = m.shards.stream()
                    .filter(s -> s.reportedAt == null || !s.reportedAt.isAfter(silentSince)).toList();
            for (MigrationShard s : silent.isEmpty() ? m.shards : silent) {
                s.attempt = m.attempt;
                s.reportedAt = now;
                commands.add(new StopRequest(m.id, "shard " + s.index + " handed over to attempt " + m.attempt, m.attempt, s.index));
                // where it stands: a streaming shard goes on from its offset, a copying one copies again
                commands.add(s.phase == MigrationPhase.STREAM ? shardStream(s) : shardSnapshot(s));
            }
            return commands;
        }
        commands.add(m.phase == MigrationPhase.STREAM
                ? stream(new ReplicationOffset(m.replId, m.replOffset, m.replDb))
                : snapshot(null));
        return commands;
    }

    /** Applies a worker's report. Progress figures are totals, so repeats do no harm. */
    public EventOutcome apply(MigrationEvent event, Instant now) {
        boolean starts = switch (event.type()) {
            case SNAPSHOT_STARTED, STREAM_STARTED, CAPTURE_STARTED -> true;
            default -> false;
        };
        // a cluster source's event is its shard's: each shard has its own attempt
        MigrationShard shard = m.sharded() || event.shard() != null ? m.shard(event.shard()) : null;
        if (shard == null && (m.sharded() || event.shard() != null)) {
            return EventOutcome.NONE;
        }
        int current = shard == null ? m.attempt : shard.attempt;
        if (event.attempt() != current) {
            // an older attempt that starts late (a redelivered request) must not write beside the current one
            return starts && event.attempt() < current
                    ? new EventOutcome(null, new StopRequest(m.id, "superseded by attempt " + current, current,
                            shard == null ? null : shard.index))
                    : EventOutcome.NONE;
        }
        if (!m.isActive()) {
            // a worker that starts late (e.g. a redelivered request) must not go on with an ended migration
            return starts ? new EventOutcome(null, new StopRequest(m.id, "the migration is " + m.status.wire()))
                    : EventOutcome.NONE;
        }
        m.updatedAt = now;
        String by = event.worker() == null ? "" : " (" + event.worker() + ")";
        if (shard != null) {
            return shardEvent(shard, event, now, by);
        }
        return switch (event.type()) {
            case CAPTURE_STARTED -> captureStarted(event, now, by);
            case SNAPSHOT_STARTED -> snapshotStarted(event, now, by);
            case SNAPSHOT_PROGRESS -> {
                copied(event, now);
                yield EventOutcome.NONE;
            }
            case SNAPSHOT_COMPLETED -> snapshotCompleted(event, now, by);
            case STREAM_STARTED -> {
                m.status = MigrationStatus.SYNCING;
                if (m.caughtUpAt == null) {
                    m.caughtUpAt = now;
                }
                yield EventOutcome.ofHistory("stream started" + by);
            }
            case STREAM_PROGRESS -> {
                streamed(event, now);
                yield EventOutcome.NONE;
            }
            case OFFSET_LOST -> {
                // the stream cannot continue: copy everything again (attempt n+1 empties the migrated dbs first)
                m.attempt++;
                restartCopy();
                yield new EventOutcome((event.message() == null ? "the stream lost its offset" : event.message())
                        + by + ": a new full snapshot, attempt " + m.attempt,
                        restartCommands());
            }
            case FAILED -> {
                fail(event.message() == null || event.message().isBlank() ? "the worker failed" : event.message());
                // scan: the other worker (capture or scan) of this attempt still runs
                yield new EventOutcome(m.error + by, m.byScan() ? new StopRequest(m.id, "the migration failed") : null);
            }
            case STOPPED -> stopped(event, now, by);
            default -> EventOutcome.NONE;
        };
    }

    /** After a lost offset: the older attempt stops, everything is copied again by the new one. */
    private List<WorkerCommand> restartCommands() {
        List<WorkerCommand> commands = new ArrayList<>(List.of(new StopRequest(m.id, "superseded by attempt " + m.attempt, m.attempt)));
        commands.addAll(firstCommands());
        return commands;
    }

    /** A cluster source's event: it moves its shard; the migration follows once every shard has. */
    private EventOutcome shardEvent(MigrationShard shard, MigrationEvent event, Instant now, String by) {
        String of = shard.describe();
        String oldMaster = MigrationShard.address(shard.masterHost, shard.masterPort);
        if (shard.masterMovedTo(event.node())) {
            // a failover: the worker found the shard's new master (by its slots) and follows it there
            EventOutcome moved = shardEvent(shard, event, now, by);
            String note = "shard " + shard.index + ": its master moved from " + oldMaster + " to "
                    + MigrationShard.address(shard.masterHost, shard.masterPort) + " (a failover); the stream follows it" + by;
            return new EventOutcome(moved.history() == null ? note : moved.history() + "; " + note, moved.commands());
        }
        switch (event.type()) {
            case CAPTURE_STARTED -> {
                shard.reportedAt = workerTime(event, now);
                if (m.startedAt == null) {
                    m.startedAt = now;
                }
                // once per attempt: a shard whose scan has reported is past this (a redelivered capture request adds nothing)
                if (!m.byScan() || shard.phase != MigrationPhase.SNAPSHOT || shard.keysTotal != null) {
                    return EventOutcome.NONE;
                }
                return new EventOutcome(of + ": capture of changed keys started" + (event.message() == null ? ""
                        : ": " + event.message()) + by + "; its scan may start", shardSnapshot(shard));
            }
            case SNAPSHOT_STARTED, SNAPSHOT_PROGRESS -> {
                if (m.startedAt == null) {
                    m.startedAt = now;
                }
                if (m.copyStartedAt == null) {
                    m.copyStartedAt = workerTime(event, now);
                }
                shardCopied(shard, event, now);
                return event.type() == EventType.SNAPSHOT_PROGRESS ? EventOutcome.NONE
                        : EventOutcome.ofHistory(of + ": snapshot started from " + (shard.readsReplica() ? "replica " : "master ")
                                + MigrationShard.address(shard.snapshotHost, shard.snapshotPort)
                                + (event.message() == null ? "" : ": " + event.message()) + by);
            }
            case SNAPSHOT_COMPLETED -> {
                shardCopied(shard, event, now);
                if (shard.phase != MigrationPhase.SNAPSHOT) {
                    return EventOutcome.NONE; // a repeat: the shard's stream was requested already
                }
                if (m.byScan()) {
                    // the shard's capture runs already; it copies the changed keys again once it reads this scan's end
                    shard.phase = MigrationPhase.STREAM;
                    if (ShardFigures.allStream(m)) {
                        m.phase = MigrationPhase.STREAM;
                    }
                    return EventOutcome.ofHistory(of + ": scan completed: " + shard.keysCopied + " keys copied" + by);
                }
                if (event.offset() == null) {
                    fail(of + ": the snapshot completed without a replication offset");
                    return new EventOutcome(m.error, new StopRequest(m.id, "the migration failed"));
                }
                shardOffset(shard, event.offset());
                shard.phase = MigrationPhase.STREAM;
                if (ShardFigures.allStream(m)) {
                    m.phase = MigrationPhase.STREAM;
                }
                return new EventOutcome(of + ": snapshot completed at " + event.offset() + by, shardStream(shard));
            }
            case STREAM_STARTED, STREAM_PROGRESS -> {
                boolean started = !shard.streaming;
                shard.streaming = true;
                shard.reportedAt = workerTime(event, now);
                shardStreamed(shard, event);
                ShardFigures.sumStream(m);
                if (ShardFigures.allStreaming(m) && m.status != MigrationStatus.SYNCING) {
                    m.status = MigrationStatus.SYNCING;
                    m.caughtUpAt = now;
                }
                if (m.lagBytes != null && m.lagBytes == 0) {
                    m.caughtUpAt = now;
                }
                m.streamReportedAt = shard.reportedAt;
                return event.type() == EventType.STREAM_STARTED || started
                        ? EventOutcome.ofHistory(of + (m.byScan() ? ": copying changed keys again from " : ": stream started from ")
                                + MigrationShard.address(shard.masterHost, shard.masterPort)
                                + (event.message() == null || !m.byScan() ? "" : ", " + event.message()) + by
                                + (m.status == MigrationStatus.SYNCING ? "; every shard syncs" : ""))
                        : EventOutcome.NONE;
            }
            case OFFSET_LOST -> {
                // that shard cannot continue: it alone is copied again, by an attempt of its own (its new
                // copy empties only its slots); the other shards stream on. A snapshot whose replica was lost reads
                // the master next.
                boolean fromMaster = shard.phase == MigrationPhase.SNAPSHOT && shard.snapshotMovedTo(event.snapshotNode());
                m.attempt++;
                shard.attempt = m.attempt;
                shard.restart();
                shard.reportedAt = now;
                m.phase = MigrationPhase.SNAPSHOT;
                m.status = MigrationStatus.RUNNING;
                m.lagBytes = null;
                m.captureLagBytes = null;
                m.applyLagBytes = null;
                m.applyLagSeconds = null;
                ShardFigures.sumCopy(m);
                // by scan the shard's changes are captured again first (its scan follows the capture's start)
                return new EventOutcome(of + ": " + (event.message() == null ? "the stream lost its offset" : event.message())
                        + by + ": a new full " + (m.byScan() ? "capture and scan" : "snapshot") + " of this shard only"
                        + (fromMaster ? ", from its master" : "") + ", attempt " + m.attempt, List.of(new StopRequest(m.id, "shard " + shard.index + " superseded by attempt " + m.attempt,
                                m.attempt, shard.index), m.byScan() ? shardCapture(shard) : shardSnapshot(shard)));
            }
            case FAILED -> {
                fail(of + ": " + (event.message() == null || event.message().isBlank() ? "the worker failed" : event.message()));
                // the other shards' tasks still run
                return new EventOutcome(m.error + by, new StopRequest(m.id, "the migration failed"));
            }
            case STOPPED -> {
                return stopped(event, now, by);
            }
            default -> {
                return EventOutcome.NONE;
            }
        }
    }

    private void shardCopied(MigrationShard shard, MigrationEvent event, Instant now) {
        shard.reportedAt = workerTime(event, now);
        if (event.keysCopied() != null) {
            shard.keysCopied = event.keysCopied();
        }
        if (event.keysTotal() != null) {
            shard.keysTotal = event.keysTotal();
        }
        if (event.bytesCopied() != null) {
            shard.bytesCopied = event.bytesCopied();
        }
        ShardFigures.sumCopy(m);
        long millis = m.copyStartedAt == null ? 0 : Duration.between(m.copyStartedAt, workerTime(event, now)).toMillis();
        if (millis >= 200) {
            m.keysPerSecond = m.keysCopied / (millis / 1000.0);
        }
    }

    private static void shardStreamed(MigrationShard shard, MigrationEvent event) {
        if (event.offset() != null) {
            shardOffset(shard, event.offset());
        }
        if (event.lagBytes() != null) {
            shard.lagBytes = event.lagBytes();
        }
        if (event.applyLagBytes() != null) {
            shard.captureLagBytes = event.captureLagBytes();
            shard.applyLagBytes = event.applyLagBytes();
            shard.applyLagSeconds = event.applyLagSeconds();
        }
        if (event.commandsApplied() != null) {
            shard.commandsApplied = event.commandsApplied();
        }
        if (event.pendingKeys() != null) {
            shard.scanLag(event.pendingKeys(), event.lagSeconds());
        }
    }

    private static void shardOffset(MigrationShard shard, ReplicationOffset offset) {
        shard.replId = offset.replId();
        shard.replOffset = offset.offset();
        shard.replDb = offset.db();
    }

    private EventOutcome stopped(MigrationEvent event, Instant now, String by) {
        if (m.completionStep != CompletionStep.STOPPING) {
            return EventOutcome.ofHistory("worker stopped" + by);
        }
        if (event.offset() != null && !m.sharded()) {
            offset(event.offset()); // where the stream ended: what the target holds
        }
        complete(now, "completed");
        return EventOutcome.ofHistory("worker stopped" + by + "; completed" + (m.finalOffset == null ? "" : " at offset " + m.finalOffset));
    }

    // ---- completion (POST .../complete): waiting for the apply to reach the source, verifying, stopping, done

    /** A scan capture's report counts for the point only if made this long after the completion began. */
    static final Duration SCAN_SETTLE = Duration.ofSeconds(1);

    /** Why a completion cannot begin now, or null when it can: the migration streams and none is under way. */
    public String completionRefusal() {
        if (m.status != MigrationStatus.SYNCING) {
            return "migration " + m.id + " is " + m.status.wire() + ": only a syncing migration can be completed";
        }
        if (m.completionStep != null) {
            return "migration " + m.id + " is completing already (" + m.completionStep.wire() + ")";
        }
        return null;
    }

    /** The completion begins (after the source's writes were paused, when asked); it gives up at the deadline. */
    public void beginCompletion(Instant now, Instant deadline) {
        m.completionStep = CompletionStep.WAITING_FOR_OFFSET;
        m.completionBeganAt = now;
        m.completionDeadline = deadline;
        m.completionOffset = null;
        m.completionReplId = null;
        m.completionNote = null;
        for (MigrationShard shard : m.shards) {
            shard.completionOffset = null;
            shard.completionReplId = null;
        }
    }

    /** Replication: the source's position the apply must reach (read while paused: it holds still). */
    public void awaitOffset(ReplicationOffset source) {
        m.completionReplId = source.replId();
        m.completionOffset = source.offset();
    }

    /**
     * A cluster source: each shard's master's position, in the shards' order, read once every master
     * was paused (so together they are one point of the whole source).
     */
    public void awaitShardOffsets(List<ReplicationOffset> masters) {
        if (masters.size() != m.shards.size()) {
            throw new IllegalArgumentException(masters.size() + " positions for " + m.shards.size() + " shards");
        }
        for (int i = 0; i < masters.size(); i++) {
            m.shards.get(i).completionReplId = masters.get(i).replId();
            m.shards.get(i).completionOffset = masters.get(i).offset();
        }
    }

    /**
     * Whether the target has everything the source had when the completion began. Replication: the
     * applied offset reached the source's. Scan: the capture reported no changed key pending, in a
     * report made {@link #SCAN_SETTLE} after the beginning (a change made just before may still be on
     * its way as a notification).
     */
    public boolean pointReached() {
        if (m.status != MigrationStatus.SYNCING || m.completionStep == null) {
            return false;
        }
        if (m.sharded()) {
            return m.shards.stream().allMatch(this::shardPointReached);
        }
        if (m.byScan()) {
            return scanSettled(m.lagKeys, m.streamReportedAt);
        }
        return m.completionOffset != null && m.replOffset != null && m.replOffset >= m.completionOffset
                && m.completionReplId.equals(m.replId);
    }

    private boolean shardPointReached(MigrationShard shard) {
        return m.byScan() ? scanSettled(shard.scanLagKeys(), shard.reportedAt) : shard.completionOffsetReached();
    }

    private boolean scanSettled(Long pendingKeys, Instant reportedAt) {
        return pendingKeys != null && pendingKeys == 0 && reportedAt != null
                && !reportedAt.isBefore(m.completionBeganAt.plus(SCAN_SETTLE));
    }

    /** What the apply has not reached yet (for the note of a completion that gives up), or null when the point is reached. */
    public String pointMissing() {
        if (pointReached()) {
            return null;
        }
        if (m.sharded()) {
            return m.shards.stream().filter(s -> !shardPointReached(s))
                    .map(s -> s.describe() + ": " + (m.byScan() ? scanMissing(s.scanLagKeys())
                            : offsetMissing(s.completionOffset, s.completionReplId, s.replOffset, s.replId)))
                    .collect(Collectors.joining("; "));
        }
        return m.byScan() ? scanMissing(m.lagKeys) : offsetMissing(m.completionOffset, m.completionReplId, m.replOffset, m.replId);
    }

    private static String scanMissing(Long pendingKeys) {
        return "the source's changes (" + (pendingKeys == null ? "no report yet" : pendingKeys + " changed keys pending") + ")";
    }

    private static String offsetMissing(Long wanted, String wantedReplId, Long applied, String appliedReplId) {
        return "the source's offset " + wanted + " (applied: " + applied
                + (wantedReplId == null || wantedReplId.equals(appliedReplId) ? "" : " of another replication history " + appliedReplId)
                + ")";
    }

    public void verifying() {
        m.completionStep = CompletionStep.VERIFYING;
    }

    /** The point is reached (and verified): the workers stop; the migration is done once the stream worker says it stopped. */
    public StopRequest stopForCompletion() {
        m.completionStep = CompletionStep.STOPPING;
        return new StopRequest(m.id, "completed");
    }

    /** Ends the migration as done at the completion's point (the offset the stream last reported). */
    public void complete(Instant now, String note) {
        m.status = MigrationStatus.DONE;
        m.phase = MigrationPhase.STOPPED;
        m.completedAt = now;
        m.finalOffset = m.byScan() ? null : m.replOffset;
        m.completionStep = null;
        m.completionNote = note;
        m.updatedAt = now;
    }

    /** The completion gives up; the migration goes on as it was (syncing), the note says why. */
    public void abandonCompletion(String why) {
        m.completionStep = null;
        m.completionNote = why;
    }

    /** force: done now, without waiting for the apply (final_offset: what was applied last). */
    public StopRequest forceCompletion(Instant now) {
        complete(now, "forced: ended without waiting for the apply to reach the source");
        return new StopRequest(m.id, "completed (forced) by the user");
    }

    private EventOutcome captureStarted(MigrationEvent event, Instant now, String by) {
        if (m.startedAt == null) {
            m.startedAt = now;
        }
        if (!m.byScan() || m.phase != MigrationPhase.SNAPSHOT || m.scanRequested) {
            return EventOutcome.NONE;
        }
        m.scanRequested = true;
        return new EventOutcome("capture of changed keys started" + by + (event.message() == null ? ""
                : " (" + event.message() + ")") + "; the scan may start"
                + (m.parts.split() ? " in " + m.parts.count() + " parts" : ""), scans());
    }

    private EventOutcome snapshotStarted(MigrationEvent event, Instant now, String by) {
        if (m.startedAt == null) {
            m.startedAt = now;
        }
        // the first part of a split scan, or a copy that starts over from nothing
        if (m.copyStartedAt == null || (!m.parts.split() && Long.valueOf(0).equals(event.keysCopied()))) {
            m.copyStartedAt = workerTime(event, now);
        }
        copied(event, now);
        // the message says why, when a copy starts over (the source cut the link)
        return EventOutcome.ofHistory("snapshot started" + partOf(event)
                + (event.message() == null ? "" : ": " + event.message()) + by);
    }

    private EventOutcome snapshotCompleted(MigrationEvent event, Instant now, String by) {
        copied(event, now);
        if (m.phase != MigrationPhase.SNAPSHOT) {
            return EventOutcome.NONE; // a repeat: the stream was requested already
        }
        if (m.byScan()) {
            if (event.part() != null && m.parts.split() && !m.parts.complete(event.part())) {
                return EventOutcome.ofHistory("scan" + partOf(event) + " completed" + by);
            }
            // the capture runs already; it copies the changed keys again once it reads the scan's end
            m.phase = MigrationPhase.STREAM;
            return EventOutcome.ofHistory("scan completed: " + m.keysCopied + " keys copied" + by);
        }
        if (event.offset() == null) {
            fail("the snapshot completed without a replication offset");
            return EventOutcome.ofHistory(m.error);
        }
        offset(event.offset());
        m.phase = MigrationPhase.STREAM;
        return new EventOutcome("snapshot completed at " + event.offset() + by, stream(event.offset()));
    }

    private void streamed(MigrationEvent event, Instant now) {
        m.status = MigrationStatus.SYNCING;
        m.streamReportedAt = workerTime(event, now);
        if (event.offset() != null) {
            offset(event.offset());
        }
        if (event.lagBytes() != null) {
            m.lagBytes = event.lagBytes();
            if (m.lagBytes == 0 || m.caughtUpAt == null) {
                m.caughtUpAt = now;
            }
        }
        if (event.applyLagBytes() != null) {
            m.captureLagBytes = event.captureLagBytes();
            m.applyLagBytes = event.applyLagBytes();
            m.applyLagSeconds = event.applyLagSeconds();
        }
        if (event.commandsApplied() != null) {
            m.commandsApplied = event.commandsApplied();
        }
        if (event.pendingKeys() != null) {
            m.lagKeys = event.pendingKeys();
            m.lagSeconds = event.lagSeconds();
        }
    }

    /** The snapshot of this attempt, whole (part null) or one part of a split scan. */
    private SnapshotRequest snapshot(Integer part) {
        return new SnapshotRequest(m.id, m.attempt, m.source(), m.database.endpoint(), m.ignoredDbs(), m.method, part,
                part == null ? null : m.parts.count(), null, null, m.selection(), m.snapshotLoad);
    }

    /** The scan, or for a split scan one request per part (each taken by any snapshot-worker instance). */
    private List<WorkerCommand> scans() {
        if (!m.parts.split()) {
            return List.of(snapshot(null));
        }
        List<WorkerCommand> parts = new ArrayList<>(m.parts.count());
        for (int part = 0; part < m.parts.count(); part++) {
            parts.add(snapshot(part));
        }
        return parts;
    }

    /** A cluster source's shard: the snapshot of its node (master or replica). */
    private SnapshotRequest shardSnapshot(MigrationShard shard) {
        return new SnapshotRequest(m.id, shard.attempt, shard.snapshotNode(m.source()), m.database.endpoint(), m.ignoredDbs(),
                m.method, null, null, shard.index, shard.slots, m.selection());
    }

    /**
     * A cluster source's shard, scan method: the capture of its master's changed keys (before its scan starts); with
     * the cluster's nodes as known, whom the worker asks for the promoted replica when that master is gone.
     */
    private StreamRequest shardCapture(MigrationShard shard) {
        return new StreamRequest(m.id, shard.attempt, shard.master(m.source()), m.database.endpoint(), m.ignoredDbs(), null,
                m.method, null, shard.index, m.selection(), shard.slots, clusterNodes());
    }

    /** A cluster source's shard: its stream from its master, from the shard's offset; with the cluster's nodes as known. */
    private StreamRequest shardStream(MigrationShard shard) {
        return new StreamRequest(m.id, shard.attempt, shard.master(m.source()), m.database.endpoint(), m.ignoredDbs(),
                new ReplicationOffset(shard.replId, shard.replOffset, shard.replDb), m.method, null, shard.index, m.selection(),
                shard.slots, clusterNodes());
    }

    /** The cluster source's nodes as known (the node the user named, every shard's master): asked when a master is gone. */
    private List<RedisEndpoint> clusterNodes() {
        Map<String, RedisEndpoint> nodes = new LinkedHashMap<>();
        nodes.put(m.source().address(), m.source());
        m.shards.forEach(s -> nodes.putIfAbsent(s.master(m.source()).address(), s.master(m.source())));
        return List.copyOf(nodes.values());
    }

    /** The replication stream of this attempt from {@code from}. */
    private StreamRequest stream(ReplicationOffset from) {
        return new StreamRequest(m.id, m.attempt, m.source(), m.database.endpoint(), m.ignoredDbs(), from,
                MigrationMethod.REPLICATION, null, null, m.selection());
    }

    private void restartCopy() {
        m.parts.reset();
        m.scanRequested = false;
        m.phase = MigrationPhase.SNAPSHOT;
        m.status = MigrationStatus.RUNNING;
        m.keysCopied = 0;
        m.bytesCopied = 0;
        m.replId = null;
        m.replOffset = null;
        m.replDb = null;
        m.lagKeys = null;
        m.lagSeconds = null;
        m.caughtUpAt = null;
        m.copyStartedAt = null;
        m.keysPerSecond = null;
        m.lagBytes = null;
        m.captureLagBytes = null;
        m.applyLagBytes = null;
        m.applyLagSeconds = null;
        m.shards.forEach(MigrationShard::restart);
    }

    private String partOf(MigrationEvent event) {
        return event.part() == null || !m.parts.split() ? "" : " (part " + (event.part() + 1) + " of " + m.parts.count() + ")";
    }

    /** A part's figures are its own totals: the migration's are their sums. */
    private void copied(MigrationEvent event, Instant now) {
        count(event);
        // the average since the round began, by the worker's clock (its events may reach us in a burst)
        long millis = m.copyStartedAt == null ? 0 : Duration.between(m.copyStartedAt, workerTime(event, now)).toMillis();
        if (millis >= 200) {
            m.keysPerSecond = m.keysCopied / (millis / 1000.0);
        }
    }

    private static Instant workerTime(MigrationEvent event, Instant now) {
        return event.at() == null ? now : event.at();
    }

    private void count(MigrationEvent event) {
        if (event.part() != null && m.parts.split()) {
            m.parts.report(event.part(), event.keysCopied(), event.keysTotal(), event.bytesCopied());
            m.keysCopied = m.parts.keysCopied();
            m.keysTotal = m.parts.keysTotal();
            m.bytesCopied = m.parts.bytesCopied();
            return;
        }
        if (event.keysCopied() != null) {
            m.keysCopied = event.keysCopied();
        }
        if (event.keysTotal() != null) {
            m.keysTotal = event.keysTotal();
        }
        if (event.bytesCopied() != null) {
            m.bytesCopied = event.bytesCopied();
        }
    }

    private void offset(ReplicationOffset offset) {
        m.replId = offset.replId();
        m.replOffset = offset.offset();
        m.replDb = offset.db();
    }

    private void fail(String reason) {
        m.status = MigrationStatus.ERROR;
        m.phase = MigrationPhase.STOPPED;
        m.error = reason;
    }
}

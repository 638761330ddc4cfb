package dev.redismigrate.api.migration;

import dev.redismigrate.api.Ids;
import dev.redismigrate.common.contract.MigrationMethod;
import dev.redismigrate.common.contract.SnapshotLoad;
import dev.redismigrate.common.limits.Limits;
import dev.redismigrate.common.selection.KeySelection;
import dev.redismigrate.common.selection.MigratedKeys;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A migration as the API shows it. id, status and created_at are at the top level: that is all
 * DigitalOcean's Go client and Terraform provider read.
 */
public record MigrationView(UUID id, MigrationStatus status, Instant createdAt, UUID databaseId,
        MigrationMethod method, SnapshotLoad snapshotLoad, MigrationPhase phase, Progress progress, Lag lag, long commandsApplied, String error, Source source,
        List<Integer> ignoreDbs, Instant startedAt, Instant updatedAt, Instant stopsAt, Completion completion,
        Instant completedAt, Long finalOffset, Limits limits, List<String> includeKeys, List<String> excludeKeys,
        Map<String, String> dbMap, boolean allowMerge, List<Shard> shards) {

    /**
     * A source shard of a cluster source (absent for a standalone source): its node (the master the
     * stream follows; {@code snapshotNode} the node its snapshot read), slots, method, phase,
     * progress and lag; {@code lag.ready_for_cutover} when its stream has started and its lag is 0;
     * {@code attempt} its own (a hand-over or a new copy of one shard leaves the others' as they are).
     */
    public record Shard(int shard, int attempt, String node, String snapshotNode, String slots, MigrationMethod method,
            MigrationPhase phase, boolean syncing, Progress progress, Lag lag, long commandsApplied) {
    }

    /**
     * A completion (POST .../complete) under way, or the note of the last one: {@code step} null once it
     * has ended; {@code sourceOffset} the source's offset the apply must reach (replication); {@code note}
     * why the last one did not end the migration, or how it ended.
     */
    public record Completion(CompletionStep step, Instant beganAt, Long sourceOffset, Instant deadline, String note) {
    }

    /**
     * {@code keysPerSecond}: the copy's average rate; {@code parts}, {@code partsCompleted}: of a scan
     * split among snapshot workers (absent when whole).
     */
    public record Progress(long keysCopied, Long keysTotal, long bytesCopied, double percent, Long keysPerSecond,
            Integer parts, Integer partsCompleted) {
    }

    /**
     * How far the target is behind the source, once streaming. Replication: bytes of the source's
     * offset not yet applied, and seconds since the target was last caught up (0 when it is). Scan:
     * changed keys not yet copied again, and the age of the oldest in seconds. Lag 0 while syncing
     * means ready for cut-over. Replication also shows the lag's two parts: {@code captureBytes}, the
     * source's offset minus what the change log holds (near 0 whatever the target does), and
     * {@code applyBytes} / {@code applySeconds}, what waits in the change log for the target and the
     * age of its oldest command; {@code bytes} is their sum as last reported.
     */
    public record Lag(Long bytes, Long offset, Long keys, Double seconds, Long captureBytes, Long applyBytes,
            Double applySeconds, boolean readyForCutover) {
    }

    public record Source(String host, int port, String username, boolean ssl) {
    }

    public record Many(List<MigrationView> migrations, Meta meta) {
    }

    public record Meta(long total) {
    }

    public record Event(Instant at, String type, String message) {
    }

    public record Events(List<Event> events) {
    }

    public static MigrationView of(Migration m) {
        boolean syncing = m.status == MigrationStatus.SYNCING;
        KeySelection selection = m.selection();
        Lag lag = m.sharded() && !m.byScan() ? (m.lagBytes == null ? null : new Lag(m.lagBytes, null, null, secondsBehind(m),
                m.captureLagBytes, m.applyLagBytes, m.applyLagSeconds, syncing && m.lagBytes == 0))
                : m.replOffset != null
                ? new Lag(m.lagBytes, m.replOffset, null, secondsBehind(m), m.captureLagBytes, m.applyLagBytes,
                        m.applyLagSeconds, syncing && m.lagBytes != null && m.lagBytes == 0)
                : m.lagKeys != null
                        ? new Lag(null, null, m.lagKeys, m.lagSeconds == null ? null : m.lagSeconds.doubleValue(),
                                null, null, null, syncing && m.lagKeys == 0)
                        : null;
        return new MigrationView(m.id, m.status, m.createdAt, m.database.id, m.method,
                m.method == MigrationMethod.REPLICATION ? SnapshotLoad.orDefault(m.snapshotLoad) : null, m.phase,
                new Progress(m.keysCopied, m.keysTotal, m.bytesCopied, percent(m),
                        m.keysPerSecond == null ? null : Math.round(m.keysPerSecond), m.parts.split() ? m.parts.count() : null,
                        m.parts.split() ? m.parts.completed() : null), lag, m.commandsApplied,
                m.error, new Source(m.sourceHost, m.sourcePort, m.sourceUsername, m.sourceTls),
                Arrays.stream(m.ignoreDbs).boxed().toList(), m.startedAt, m.updatedAt, m.stopsAt,
                m.completionStep == null && m.completionNote == null ? null
                        : new Completion(m.completionStep, m.completionBeganAt, m.completionOffset, m.completionDeadline,
                                m.completionNote),
                m.completedAt, m.finalOffset, m.limits(), selection.includeKeys(), selection.excludeKeys(),
                MigratedKeys.wire(selection.dbMap()), selection.allowMerge(), m.sharded() ? m.shards.stream().map(s -> shard(m, s)).toList() : null);
    }

    private static Shard shard(Migration m, MigrationShard s) {
        boolean streamed = s.phase == MigrationPhase.STREAM;
        double percent = streamed ? 100.0 : s.keysTotal == null || s.keysTotal <= 0 ? 0.0
                : Math.min(100.0, Math.floor(1000.0 * s.keysCopied / s.keysTotal) / 10.0);
        Lag lag = m.byScan() ? (s.scanLagKeys() == null ? null : new Lag(null, null, s.scanLagKeys(),
                s.scanLagSeconds() == null ? null : s.scanLagSeconds().doubleValue(), null, null, null,
                m.isActive() && s.streaming && s.scanLagKeys() == 0))
                : s.replOffset == null || s.lagBytes == null ? null : new Lag(s.lagBytes, s.replOffset, null, null,
                s.captureLagBytes, s.applyLagBytes, s.applyLagSeconds, m.isActive() && s.streaming && s.lagBytes == 0);
        return new Shard(s.index, s.attempt, MigrationShard.address(s.masterHost, s.masterPort),
                MigrationShard.address(s.snapshotHost, s.snapshotPort), s.slots, m.method, m.isActive() ? s.phase
                        : MigrationPhase.STOPPED, m.isActive() && s.streaming,
                new Progress(s.keysCopied, s.keysTotal, s.bytesCopied, percent, null, null, null), lag, s.commandsApplied);
    }

    static Double secondsBehind(Migration m) {
        if (m.lagBytes == null || m.caughtUpAt == null) {
            return null;
        }
        if (m.lagBytes == 0) {
            return 0.0;
        }
        // an ended migration no longer falls behind: its lag stays as it was at the end
        Instant until = m.isActive() ? Ids.now() : m.updatedAt;
        return Math.max(0, Duration.between(m.caughtUpAt, until).toMillis()) / 1000.0;
    }

    /** Of the snapshot: once it has completed (an offset is known, or the scan's stream phase) the copy is whole. */
    static double percent(Migration m) {
        if (m.sharded() && ShardFigures.allStream(m) || m.replOffset != null || m.byScan() && (m.phase == MigrationPhase.STREAM || m.lagKeys != null)) {
            return 100.0;
        }
        if (m.keysTotal == null || m.keysTotal <= 0) {
            return 0.0;
        }
        return Math.min(100.0, Math.floor(1000.0 * m.keysCopied / m.keysTotal) / 10.0);
    }

    public static Events events(List<HistoryEntry> entries) {
        return new Events(entries.stream().map(e -> new Event(e.at, e.type, e.message)).toList());
    }
}

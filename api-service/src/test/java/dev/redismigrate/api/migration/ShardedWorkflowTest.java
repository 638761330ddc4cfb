package dev.redismigrate.api.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.api.database.TargetDatabase;
import dev.redismigrate.common.contract.EventType;
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
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A cluster source: one unit of work per shard; the migration follows once every shard has. */
class ShardedWorkflowTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final String REPL = "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb";

    private Migration m;
    private MigrationWorkflow workflow;

    @BeforeEach
    void start() {
        TargetDatabase target = TargetDatabase.of("t", new RedisEndpoint("10.0.0.9", 6379, null, null, false), "redis", "7.0.15", T0);
        RedisEndpoint seed = new RedisEndpoint("10.0.0.1", 7000, "default", "v1:sealed", true);
        List<ShardPlan> plans = List.of(new ShardPlan("a", "10.0.0.1", 7000, "10.0.0.1", 7000, "0-5460"),
                new ShardPlan("b", "10.0.0.2", 7000, "10.0.0.5", 7000, "5461-10922"),
                new ShardPlan("c", "10.0.0.3", 7000, "10.0.0.3", 7000, "10923-16383"));
        m = MigrationWorkflow.start(target, seed, null, null, Set.of(), MigrationMethod.REPLICATION, 1, T0, Duration.ofDays(1), plans);
        workflow = new MigrationWorkflow(m);
    }

    private MigrationEvent event(EventType type, int shard) {
        // each shard's events carry its own attempt
        return MigrationEvent.of(m.id, shard < m.shards.size() ? m.shards.get(shard).attempt : m.attempt, type, "w" + shard)
                .withShard(shard);
    }

    /** The event as made at {@code at} by the worker's clock (a shard's silence is measured by it). */
    private static MigrationEvent madeAt(MigrationEvent e, Instant at) {
        return new MigrationEvent(e.migrationId(), e.attempt(), e.type(), at, e.worker(), e.keysCopied(), e.keysTotal(),
                e.bytesCopied(), e.offset(), e.lagBytes(), e.commandsApplied(), e.message(), e.pendingKeys(), e.lagSeconds(),
                e.part(), e.captureLagBytes(), e.applyLagBytes(), e.applyLagSeconds(), e.shard(), e.node(), e.snapshotNode());
    }

    /** By scan, 2 shards; shard 1's scan reads a replica (read-from-replica). */
    private void startTwoShardsByScan() {
        m = MigrationWorkflow.start(m.database, m.source(), null, null, Set.of(), MigrationMethod.SCAN, 1, T0, Duration.ofDays(1),
                List.of(new ShardPlan("a", "10.0.0.1", 7000, "10.0.0.1", 7000, "0-8191"),
                        new ShardPlan("b", "10.0.0.2", 7000, "10.0.0.5", 7000, "8192-16383")));
        workflow = new MigrationWorkflow(m);
    }

    private static ReplicationOffset offset(long at) {
        return new ReplicationOffset(REPL, at, 0);
    }

    @Test
    void oneSnapshotPerShardReadingItsNodeWithTheSeedsCredentials() {
        List<WorkerCommand> first = workflow.firstCommands();
        assertEquals(3, first.size());
        SnapshotRequest second = assertInstanceOf(SnapshotRequest.class, first.get(1));
        assertEquals(1, second.shard());
        assertEquals("10.0.0.5", second.source().host()); // that shard's snapshot reads a replica
        assertEquals("v1:sealed", second.source().sealedPassword());
        assertTrue(second.source().tls());
        assertEquals(m.id + ":1", second.key()); // the snapshot-worker group spreads the shards
        assertEquals(m.id + ":0", first.get(0).key());
    }

    @Test
    void theCopysFiguresAreTheShardsSums() {
        workflow.apply(event(EventType.SNAPSHOT_STARTED, 0).withCopy(0, 100, 0), T0);
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS, 1).withCopy(20, 200, 2000), T0);
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS, 0).withCopy(50, 100, 5000), T0);
        assertEquals(70, m.keysCopied);
        assertNull(m.keysTotal); // shard 2 has not said its total yet
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS, 2).withCopy(0, 300, 0), T0);
        assertEquals(600L, m.keysTotal);
        assertEquals(7000, m.bytesCopied);
    }

    @Test
    void eachShardStreamsFromItsOwnOffsetAndTheMigrationSyncsWhenEveryShardDoes() {
        for (int shard = 0; shard < 3; shard++) {
            EventOutcome done = workflow.apply(event(EventType.SNAPSHOT_COMPLETED, shard).withOffset(offset(100 + shard)), T0);
            StreamRequest stream = assertInstanceOf(StreamRequest.class, done.commands().get(0));
            assertEquals(shard, stream.shard());
            assertEquals(100 + shard, stream.from().offset());
            assertEquals("10.0.0." + (shard + 1), stream.source().host()); // the stream follows the master
            assertEquals(shard < 2 ? MigrationPhase.SNAPSHOT : MigrationPhase.STREAM, m.phase);
        }
        workflow.apply(event(EventType.STREAM_STARTED, 0), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 1).withStream(5, 0L), T0);
        assertEquals(MigrationStatus.RUNNING, m.status); // shard 2's stream has not started
        EventOutcome last = workflow.apply(event(EventType.STREAM_STARTED, 2), T0);
        assertEquals(MigrationStatus.SYNCING, m.status);
        assertTrue(last.history().endsWith("every shard syncs"), last.history());
        assertEquals(100.0, MigrationView.percent(m));
    }

    @Test
    void readyForCutoverOnlyWhenEveryShardsLagIsZero() {
        for (int shard = 0; shard < 3; shard++) {
            workflow.apply(event(EventType.SNAPSHOT_COMPLETED, shard).withOffset(offset(100)), T0);
        }
        workflow.apply(event(EventType.STREAM_PROGRESS, 0).withStream(1, 0L).withLagParts(0L, 0L, 0.0), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 1).withStream(2, 0L).withLagParts(0L, 0L, 0.0), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 2).withStream(3, 40L).withLagParts(0L, 40L, 1.5), T0);
        MigrationView view = MigrationView.of(m);
        assertEquals(MigrationStatus.SYNCING, m.status);
        assertFalse(view.lag().readyForCutover());
        assertEquals(40L, view.lag().bytes());
        assertEquals(1.5, view.lag().applySeconds());
        assertEquals(6, view.commandsApplied());
        assertEquals(3, view.shards().size());
        assertTrue(view.shards().get(0).lag().readyForCutover());
        assertFalse(view.shards().get(2).lag().readyForCutover());
        workflow.apply(event(EventType.STREAM_PROGRESS, 2).withStream(4, 0L).withLagParts(0L, 0L, 0.0), T0);
        assertTrue(MigrationView.of(m).lag().readyForCutover());
    }

    @Test
    void aHandOverOfEveryShardContinuesStreamingShardsFromTheirOffsetsAndCopiesTheOthersAgain() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 0).withOffset(offset(500)), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 0).withOffset(offset(900)).withStream(1, 0L), T0);
        List<WorkerCommand> commands = workflow.reassign(T0.plusSeconds(30));
        assertEquals(2, m.attempt);
        assertEquals(0, assertInstanceOf(StopRequest.class, commands.get(0)).shard());
        StreamRequest shard0 = assertInstanceOf(StreamRequest.class, commands.get(1));
        assertEquals(900, shard0.from().offset());
        assertEquals(2, shard0.attempt());
        assertEquals(1, assertInstanceOf(SnapshotRequest.class, commands.get(3)).shard());
        assertEquals(2, assertInstanceOf(SnapshotRequest.class, commands.get(5)).shard());
        assertTrue(m.shards.stream().allMatch(s -> s.attempt == 2));
    }

    /** Shards 0 and 2 stream, reported at T0 + 10 s; shard 1 last reported at T0 (the kill -9 of its owner). */
    private void everyShardStreamsAndShard1FallsSilent() {
        for (int shard = 0; shard < 3; shard++) {
            workflow.apply(event(EventType.SNAPSHOT_COMPLETED, shard).withOffset(offset(100)), T0);
            workflow.apply(event(EventType.STREAM_STARTED, shard), T0);
        }
        workflow.apply(madeAt(event(EventType.STREAM_PROGRESS, 0).withOffset(offset(700)).withStream(1, 0L), T0.plusSeconds(10)),
                T0.plusSeconds(10));
        workflow.apply(madeAt(event(EventType.STREAM_PROGRESS, 1).withOffset(offset(800)).withStream(1, 0L), T0), T0);
        workflow.apply(madeAt(event(EventType.STREAM_PROGRESS, 2).withOffset(offset(900)).withStream(1, 0L), T0.plusSeconds(10)),
                T0.plusSeconds(10));
    }

    @Test
    void onlyTheSilentShardIsHandedOverTheOthersKeepTheirAttemptAndTasks() {
        everyShardStreamsAndShard1FallsSilent();
        List<WorkerCommand> commands = workflow.reassign(T0.plusSeconds(25), T0.plusSeconds(5));
        assertEquals(2, m.attempt);
        assertEquals(List.of(1, 2, 1), m.shards.stream().map(s -> s.attempt).toList());
        assertEquals(2, commands.size(), commands.toString());
        StopRequest stop = assertInstanceOf(StopRequest.class, commands.get(0));
        assertTrue(stop.stops(1, 1)); // shard 1's older task
        assertFalse(stop.stops(1, 0)); // the other shards' tasks run on
        assertFalse(stop.stops(2, 1));
        StreamRequest shard1 = assertInstanceOf(StreamRequest.class, commands.get(1));
        assertEquals(1, shard1.shard());
        assertEquals(2, shard1.attempt());
        assertEquals(800, shard1.from().offset());
        assertEquals(MigrationStatus.SYNCING, m.status);

        // the other shards' events (attempt 1) still count; shard 1's older attempt's do not
        workflow.apply(event(EventType.STREAM_PROGRESS, 0).withOffset(offset(750)).withStream(2, 0L), T0.plusSeconds(26));
        assertEquals(750, m.shards.get(0).replOffset);
        assertEquals(EventOutcome.NONE, workflow.apply(MigrationEvent.of(m.id, 1, EventType.STREAM_PROGRESS, "old")
                .withShard(1).withOffset(offset(850)), T0.plusSeconds(26)));
        assertEquals(800, m.shards.get(1).replOffset);
        // shard 1's older attempt starting late is told to stop, as shard 1's task only
        StopRequest late = assertInstanceOf(StopRequest.class, workflow.apply(MigrationEvent.of(m.id, 1,
                EventType.STREAM_STARTED, "old").withShard(1), T0.plusSeconds(27)).commands().get(0));
        assertEquals(1, late.shard());
        assertEquals(2, late.belowAttempt());
    }

    /** Shard 1 reads its replica 10.0.0.5: the replica lost mid-copy (the worker names the master), the master next. */
    @Test
    void aSnapshotWhoseReplicaWasLostCopiesTheShardAgainFromItsMaster() {
        EventOutcome lost = workflow.apply(event(EventType.OFFSET_LOST, 1).withSnapshotNode("10.0.0.2:7000")
                .withMessage("the replica 10.0.0.5:7000 the snapshot read failed (lost the source)"), T0);
        assertTrue(lost.history().contains("a new full snapshot of this shard only, from its master, attempt 2"), lost.history());
        SnapshotRequest copy = assertInstanceOf(SnapshotRequest.class, lost.commands().get(1));
        assertEquals("10.0.0.2", copy.source().host(), "the shard's master");
        assertEquals("10.0.0.2:7000", MigrationView.of(m).shards().get(1).snapshotNode());
    }

    /**
     * The stream's lost offset (it names the master it reads), and a failover reported mid-copy (the promoted master
     * named), keep the shard's replica read for the new copy.
     */
    @Test
    void aStreamsLostOffsetKeepsTheReplicaRead() {
        everyShardStreamsAndShard1FallsSilent();
        workflow.apply(event(EventType.OFFSET_LOST, 1).withNode("10.0.0.2:7000"), T0.plusSeconds(11));
        assertEquals("10.0.0.5:7000", MigrationView.of(m).shards().get(1).snapshotNode());
        workflow.apply(event(EventType.OFFSET_LOST, 1).withNode("10.0.0.9:7000").withMessage("its master failed"), T0.plusSeconds(12));
        assertEquals("10.0.0.9:7000", MigrationView.of(m).shards().get(1).node());
        assertEquals("10.0.0.5:7000", MigrationView.of(m).shards().get(1).snapshotNode(), "the replica read stays");
    }

    @Test
    void aLostOffsetCopiesThatShardAloneAgainTheOthersStreamOn() {
        everyShardStreamsAndShard1FallsSilent();
        EventOutcome outcome = workflow.apply(event(EventType.OFFSET_LOST, 1), T0.plusSeconds(11));
        assertEquals(2, m.attempt);
        assertEquals(List.of(1, 2, 1), m.shards.stream().map(s -> s.attempt).toList());
        assertEquals(2, outcome.commands().size(), outcome.commands().toString()); // the shard's stop, its snapshot
        assertEquals(1, assertInstanceOf(StopRequest.class, outcome.commands().get(0)).shard());
        SnapshotRequest copy = assertInstanceOf(SnapshotRequest.class, outcome.commands().get(1));
        assertEquals(1, copy.shard());
        assertEquals(2, copy.attempt()); // above 1: the worker empties the shard's slots first
        assertEquals("5461-10922", copy.slots());
        assertEquals(MigrationPhase.SNAPSHOT, m.shards.get(1).phase);
        assertEquals(List.of(700L, 900L), List.of(m.shards.get(0).replOffset, m.shards.get(2).replOffset));
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(MigrationPhase.SNAPSHOT, m.phase);

        // the copy ends, its stream starts: syncing again
        EventOutcome done = workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 1).withOffset(offset(2000)), T0.plusSeconds(20));
        assertEquals(2, assertInstanceOf(StreamRequest.class, done.commands().get(0)).attempt());
        workflow.apply(event(EventType.STREAM_STARTED, 1), T0.plusSeconds(21));
        assertEquals(MigrationStatus.SYNCING, m.status);
        assertEquals(MigrationPhase.STREAM, m.phase);
    }

    @Test
    void aFailoverMovesTheShardsMasterAndItsNextRequestsGoThere() {
        everyShardStreamsAndShard1FallsSilent();
        EventOutcome moved = workflow.apply(event(EventType.STREAM_PROGRESS, 1).withOffset(offset(950)).withStream(2, 0L)
                .withNode("10.0.0.7:7000"), T0.plusSeconds(12));
        assertTrue(moved.history().contains("master moved from 10.0.0.2:7000 to 10.0.0.7:7000"), moved.history());
        assertEquals("10.0.0.7:7000", MigrationView.of(m).shards().get(1).node());
        assertEquals("10.0.0.5:7000", MigrationView.of(m).shards().get(1).snapshotNode()); // it read a replica
        assertEquals(1, m.shards.get(1).attempt);
        StreamRequest next = assertInstanceOf(StreamRequest.class, workflow.reassign(T0.plusSeconds(60)).get(3));
        assertEquals("10.0.0.7", next.source().host());
        assertEquals(950, next.from().offset());
        // the cluster's nodes as known, for the worker to ask should this master be gone too by then
        assertTrue(next.clusterNodes().stream().map(n -> n.address()).toList().containsAll(
                List.of("10.0.0.1:7000", "10.0.0.7:7000", "10.0.0.3:7000")), next.clusterNodes().toString());
        assertNull(workflow.apply(event(EventType.STREAM_PROGRESS, 0).withNode("10.0.0.1:7000"), T0.plusSeconds(61)).history());
    }

    @Test
    void aShardsFailureFailsTheMigrationAndStopsTheOtherShards() {
        EventOutcome outcome = workflow.apply(event(EventType.FAILED, 1).withMessage("disk full"), T0);
        assertEquals(MigrationStatus.ERROR, m.status);
        assertTrue(m.error.startsWith("shard 1 (slots 5461-10922, master 10.0.0.2:7000): disk full"), m.error);
        assertInstanceOf(StopRequest.class, outcome.commands().get(0));
    }


    @Test
    void eventsWithoutAShardOrOfAnUnknownShardChangeNothing() {
        assertEquals(EventOutcome.NONE, workflow.apply(MigrationEvent.of(m.id, 1, EventType.FAILED, "w").withMessage("x"), T0));
        assertEquals(EventOutcome.NONE, workflow.apply(event(EventType.FAILED, 7), T0));
        assertEquals(MigrationStatus.RUNNING, m.status);
    }

    @Test
    void theStreamsCarryTheirShardsSlotsForTheSlotWatch() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 1).withOffset(offset(10)), T0);
        StreamRequest stream = assertInstanceOf(StreamRequest.class,
                workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 2).withOffset(offset(10)), T0).commands().get(0));
        assertEquals("10923-16383", stream.slots());
    }

    @Test
    void byScanEachShardsCaptureComesFirstThenItsScanAndAHandOverCapturesEveryShardAgain() {
        startTwoShardsByScan();
        List<WorkerCommand> first = workflow.firstCommands();
        assertEquals(2, first.size());
        StreamRequest capture = assertInstanceOf(StreamRequest.class, first.get(1));
        assertTrue(capture.byScan());
        assertEquals("10.0.0.2", capture.source().host()); // the master: its notifications
        assertEquals("8192-16383", capture.slots());

        SnapshotRequest scan = assertInstanceOf(SnapshotRequest.class,
                workflow.apply(event(EventType.CAPTURE_STARTED, 1), T0).commands().get(0));
        assertTrue(scan.byScan());
        assertEquals("10.0.0.5", scan.source().host()); // the replica (read-from-replica)
        assertEquals(1, scan.shard());
        workflow.apply(event(EventType.SNAPSHOT_STARTED, 1).withCopy(0, 10, 0), T0);
        assertTrue(workflow.apply(event(EventType.CAPTURE_STARTED, 1), T0).commands().isEmpty(), "one scan per shard and attempt");

        workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 1).withCopy(10, 10, 100), T0);
        workflow.apply(event(EventType.STREAM_STARTED, 1).withChanges(0, 3, 1), T0);
        assertEquals(MigrationStatus.RUNNING, m.status); // shard 0 has not scanned yet
        assertEquals(3L, m.shards.get(1).scanLagKeys());

        List<WorkerCommand> handOver = workflow.reassign(T0.plusSeconds(60));
        assertInstanceOf(StopRequest.class, handOver.get(0));
        List<StreamRequest> captures = handOver.stream().filter(StreamRequest.class::isInstance).map(StreamRequest.class::cast)
                .toList();
        assertEquals(2, captures.size(), "every shard captured again: " + handOver);
        assertEquals(2, captures.get(0).attempt());
        // a master gone meanwhile: the worker asks the cluster's nodes as known for the promoted replica
        assertEquals(List.of("10.0.0.1:7000", "10.0.0.2:7000"), captures.get(1).clusterNodes().stream()
                .map(n -> n.address()).toList());
        assertNull(m.shards.get(1).scanLagKeys());
    }

    private void everyShardAt(long applied) {
        for (int shard = 0; shard < 3; shard++) {
            workflow.apply(event(EventType.SNAPSHOT_COMPLETED, shard).withOffset(offset(100)), T0);
            workflow.apply(event(EventType.STREAM_PROGRESS, shard).withOffset(offset(applied)).withStream(1, 0L), T0);
        }
    }

    @Test
    void theCompletionPointIsEveryShardsOwnMasterOffsetReadWhilePaused() {
        everyShardAt(150);
        assertEquals(MigrationStatus.SYNCING, m.status);
        workflow.beginCompletion(T0, T0.plusSeconds(60));
        workflow.awaitShardOffsets(List.of(offset(200), offset(300), offset(400)));
        assertFalse(workflow.pointReached());
        workflow.apply(event(EventType.STREAM_PROGRESS, 0).withOffset(offset(200)).withStream(2, 0L), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 1).withOffset(offset(350)).withStream(2, 0L), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 2).withOffset(offset(399)).withStream(2, 1L), T0);
        assertFalse(workflow.pointReached(), "shard 2 is one byte short");
        String missing = workflow.pointMissing();
        assertTrue(missing.startsWith("shard 2 (slots 10923-16383") && missing.contains("offset 400 (applied: 399)"), missing);
        workflow.apply(event(EventType.STREAM_PROGRESS, 2).withOffset(new ReplicationOffset("another-history", 900, 0))
                .withStream(3, 0L), T0);
        assertFalse(workflow.pointReached(), "an offset of another history (a failover) says nothing");
        assertTrue(workflow.pointMissing().contains("another replication history"), workflow.pointMissing());
        workflow.apply(event(EventType.STREAM_PROGRESS, 2).withOffset(offset(400)).withStream(4, 0L), T0);
        assertTrue(workflow.pointReached());
        assertNull(workflow.pointMissing());

        workflow.abandonCompletion("meanwhile");
        workflow.beginCompletion(T0.plusSeconds(5), T0.plusSeconds(65));
        assertFalse(workflow.pointReached(), "a new completion waits for offsets of its own");
    }

    @Test
    void byScanTheCompletionPointNeedsEveryShardsSettledReportWithoutPendingKeys() {
        startTwoShardsByScan();
        workflow.firstCommands();
        for (int shard = 0; shard < 2; shard++) {
            workflow.apply(event(EventType.CAPTURE_STARTED, shard), T0);
            workflow.apply(event(EventType.SNAPSHOT_COMPLETED, shard).withCopy(10, 10, 100), T0);
            workflow.apply(madeAt(event(EventType.STREAM_STARTED, shard).withChanges(0, 0, 0), T0), T0);
        }
        assertEquals(MigrationStatus.SYNCING, m.status);
        Instant began = T0.plusSeconds(10);
        workflow.beginCompletion(began, began.plusSeconds(60));
        Instant settled = began.plus(MigrationWorkflow.SCAN_SETTLE);
        workflow.apply(madeAt(event(EventType.STREAM_PROGRESS, 0).withChanges(1, 0, 0), settled), settled);
        assertFalse(workflow.pointReached(), "shard 1 has not reported since the beginning");
        assertTrue(workflow.pointMissing().startsWith("shard 1"), workflow.pointMissing());
        workflow.apply(madeAt(event(EventType.STREAM_PROGRESS, 1).withChanges(1, 2, 0), settled), settled);
        assertFalse(workflow.pointReached(), "shard 1 has changed keys pending");
        assertTrue(workflow.pointMissing().contains("2 changed keys pending"), workflow.pointMissing());
        workflow.apply(madeAt(event(EventType.STREAM_PROGRESS, 1).withChanges(3, 0, 0), settled.plusSeconds(1)), settled);
        assertTrue(workflow.pointReached());
    }

    @Test
    void byScanAShardWhoseMasterFailedOverIsCapturedAgainAtItsNewMasterThenScanned() {
        startTwoShardsByScan();
        workflow.firstCommands();
        for (int shard = 0; shard < 2; shard++) {
            workflow.apply(event(EventType.CAPTURE_STARTED, shard), T0);
            workflow.apply(event(EventType.SNAPSHOT_COMPLETED, shard).withCopy(10, 10, 100), T0);
            workflow.apply(event(EventType.STREAM_STARTED, shard).withChanges(0, 0, 0), T0);
        }
        assertEquals(MigrationStatus.SYNCING, m.status);
        EventOutcome lost = workflow.apply(event(EventType.OFFSET_LOST, 0).withNode("10.0.0.7:7000")
                .withMessage("its master 10.0.0.1:7000 failed"), T0);
        assertTrue(lost.history().contains("a new full capture and scan of this shard only"), lost.history());
        StreamRequest capture = assertInstanceOf(StreamRequest.class, lost.commands().get(1));
        assertTrue(capture.byScan());
        assertEquals("10.0.0.7", capture.source().host(), "the promoted replica");
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(1, m.shards.get(1).attempt, "the other shard keeps its attempt");
        SnapshotRequest scan = assertInstanceOf(SnapshotRequest.class,
                workflow.apply(event(EventType.CAPTURE_STARTED, 0), T0).commands().get(0));
        assertEquals("10.0.0.7", scan.source().host());
        assertEquals(m.shards.get(0).attempt, scan.attempt());
    }
}

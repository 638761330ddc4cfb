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
        return MigrationEvent.of(m.id, m.attempt, type, "w" + shard).withShard(shard);
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
    void aHandOverContinuesStreamingShardsFromTheirOffsetsAndCopiesTheOthersAgain() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 0).withOffset(offset(500)), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS, 0).withOffset(offset(900)).withStream(1, 0L), T0);
        List<WorkerCommand> commands = workflow.reassign(T0.plusSeconds(30));
        assertEquals(2, m.attempt);
        assertInstanceOf(StopRequest.class, commands.get(0));
        StreamRequest shard0 = assertInstanceOf(StreamRequest.class, commands.get(1));
        assertEquals(900, shard0.from().offset());
        assertEquals(2, shard0.attempt());
        assertEquals(1, assertInstanceOf(SnapshotRequest.class, commands.get(2)).shard());
        assertEquals(2, assertInstanceOf(SnapshotRequest.class, commands.get(3)).shard());
    }

    @Test
    void aShardsFailureFailsTheMigrationAndStopsTheOtherShards() {
        EventOutcome outcome = workflow.apply(event(EventType.FAILED, 1).withMessage("disk full"), T0);
        assertEquals(MigrationStatus.ERROR, m.status);
        assertTrue(m.error.startsWith("shard 1 (slots 5461-10922, master 10.0.0.2:7000): disk full"), m.error);
        assertInstanceOf(StopRequest.class, outcome.commands().get(0));
    }

    @Test
    void aLostOffsetCopiesEveryShardAgain() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED, 0).withOffset(offset(500)), T0);
        EventOutcome outcome = workflow.apply(event(EventType.OFFSET_LOST, 0), T0);
        assertEquals(2, m.attempt);
        assertEquals(4, outcome.commands().size()); // the stop, then a snapshot per shard
        assertTrue(m.shards.stream().allMatch(s -> s.phase == MigrationPhase.SNAPSHOT && s.replOffset == null));
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
        TargetDatabase target = m.database;
        m = MigrationWorkflow.start(target, m.source(), null, null, Set.of(), MigrationMethod.SCAN, 1, T0, Duration.ofDays(1),
                List.of(new ShardPlan("a", "10.0.0.1", 7000, "10.0.0.1", 7000, "0-8191"),
                        new ShardPlan("b", "10.0.0.2", 7000, "10.0.0.5", 7000, "8192-16383")));
        workflow = new MigrationWorkflow(m);
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
        assertNull(m.shards.get(1).scanLagKeys());
    }
}

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
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.replication.ReplicationOffset;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rules of how workers' events move a migration, without database or broker. */
class MigrationWorkflowTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final ReplicationOffset OFFSET = new ReplicationOffset("8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", 1234, 2);

    private Migration m;
    private MigrationWorkflow workflow;

    @BeforeEach
    void start() {
        TargetDatabase target = TargetDatabase.of("t", new RedisEndpoint("10.0.0.2", 6379, null, "v1:sealed", true),
                "redis", "7.0.15", T0);
        RedisEndpoint source = new RedisEndpoint("10.0.0.1", 6379, "default", "v1:other", false);
        m = MigrationWorkflow.start(target, source, null, null, Set.of(3, 1), MigrationMethod.REPLICATION, 1, T0, Duration.ofDays(14));
        workflow = new MigrationWorkflow(m);
    }

    /** A migration by scan, in that many parts, instead. */
    private void startScan(int parts) {
        TargetDatabase target = TargetDatabase.of("t", new RedisEndpoint("10.0.0.2", 6379, null, null, false), "redis", "7.0.15", T0);
        m = MigrationWorkflow.start(target, new RedisEndpoint("10.0.0.1", 6379, null, null, false), null, null, Set.of(),
                MigrationMethod.SCAN, parts, T0, Duration.ofDays(14));
        workflow = new MigrationWorkflow(m);
    }

    private MigrationEvent event(EventType type) {
        return MigrationEvent.of(m.id, 1, type, "w1");
    }

    @Test
    void startsRunningInTheSnapshotPhase() {
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(MigrationPhase.SNAPSHOT, m.phase);
        assertEquals(1, m.attempt);
        assertEquals(T0.plus(Duration.ofDays(14)), m.stopsAt);
        SnapshotRequest first = assertInstanceOf(SnapshotRequest.class, workflow.firstCommand());
        assertEquals(Set.of(1, 3), first.ignoreDbs());
        assertEquals("v1:other", first.source().sealedPassword());
        assertEquals("10.0.0.2", first.target().host());
    }

    @Test
    void progressIsStoredButNotKeptInHistory() {
        EventOutcome outcome = workflow.apply(event(EventType.SNAPSHOT_PROGRESS).withCopy(25, 100, 4096), T0.plusSeconds(5));
        assertEquals(EventOutcome.NONE, outcome);
        assertEquals(25, m.keysCopied);
        assertEquals(4096, m.bytesCopied);
        assertEquals(25.0, MigrationView.percent(m));
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(T0.plusSeconds(5), m.updatedAt);
    }

    @Test
    void aCompletedSnapshotRequestsTheStreamFromItsOffsetOnce() {
        EventOutcome outcome = workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0);
        StreamRequest request = assertInstanceOf(StreamRequest.class, outcome.commands().get(0));
        assertEquals(OFFSET, request.from());
        assertEquals(m.source(), request.source());
        assertEquals(Set.of(1, 3), request.ignoreDbs());
        assertEquals(MigrationPhase.STREAM, m.phase);
        assertEquals(1234L, m.replOffset);
        assertEquals(100.0, MigrationView.percent(m));
        // a redelivered completion must not start a second stream
        assertTrue(workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0).commands().isEmpty());
    }

    @Test
    void aCompletionWithoutOffsetIsAnError() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED), T0);
        assertEquals(MigrationStatus.ERROR, m.status);
    }

    @Test
    void streamingMakesItSyncing() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0);
        assertEquals("stream started (w1)", workflow.apply(event(EventType.STREAM_STARTED), T0).history());
        assertEquals(MigrationStatus.SYNCING, m.status);
        workflow.apply(event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset(OFFSET.replId(), 2000, 0))
                .withStream(42, 17L), T0);
        assertEquals(2000L, m.replOffset);
        assertEquals(42, m.commandsApplied);
        assertEquals(17L, m.lagBytes);
    }

    @Test
    void eventsOfAnotherAttemptAreIgnored() {
        assertEquals(EventOutcome.NONE, workflow.apply(MigrationEvent.of(m.id, 2, EventType.FAILED, "w").withMessage("x"), T0));
        assertEquals(MigrationStatus.RUNNING, m.status);
    }

    /** The worker handed over may still be alive: its late events (attempt 1) must not move attempt 2. */
    @Test
    void lateEventsOfAnOlderAttemptChangeNothing() {
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS).withCopy(10, 100, 1000), T0);
        workflow.reassign(T0.plusSeconds(30));
        assertEquals(2, m.attempt);
        Instant updated = m.updatedAt;
        for (MigrationEvent late : java.util.List.of(
                event(EventType.SNAPSHOT_PROGRESS).withCopy(90, 100, 9000),
                event(EventType.SNAPSHOT_COMPLETED).withCopy(100, 100, 10000).withOffset(OFFSET),
                event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset(OFFSET.replId(), 5000, 4)).withStream(5, 0L),
                event(EventType.OFFSET_LOST).withMessage("the source can no longer continue"),
                event(EventType.FAILED).withMessage("late failure"))) {
            EventOutcome outcome = workflow.apply(late, T0.plusSeconds(40));
            assertTrue(outcome.commands().isEmpty(), () -> late.type() + ": " + outcome.commands());
            assertNull(outcome.history(), late.type() + ": " + outcome.history());
        }
        assertEquals(2, m.attempt);
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(MigrationPhase.SNAPSHOT, m.phase);
        assertNull(m.error);
        assertEquals(10, m.keysCopied, "the last figures of the current attempt's phase");
        assertEquals(1000, m.bytesCopied);
        assertNull(m.replOffset);
        assertEquals(0, m.commandsApplied);
        assertEquals(updated, m.updatedAt);
    }

    /** A stream handed over resumes from the last offset; an older attempt's late report must not move it. */
    @Test
    void lateStreamReportsOfAnOlderAttemptDoNotMoveTheOffset() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0);
        workflow.apply(event(EventType.STREAM_STARTED), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset(OFFSET.replId(), 5000, 4)).withStream(7, 0L), T0);
        workflow.reassign(T0.plusSeconds(30));
        assertEquals(EventOutcome.NONE, workflow.apply(event(EventType.STREAM_PROGRESS)
                .withOffset(new ReplicationOffset(OFFSET.replId(), 9000, 4)).withStream(99, 0L), T0.plusSeconds(31)));
        StreamRequest next = assertInstanceOf(StreamRequest.class, workflow.reassign(T0.plusSeconds(60)).get(1));
        assertEquals(3, next.attempt());
        assertEquals(new ReplicationOffset(OFFSET.replId(), 5000, 4), next.from());
        assertEquals(7, m.commandsApplied);
        assertEquals(MigrationStatus.SYNCING, m.status);
    }

    @Test
    void aSilentWorkersSnapshotIsHandedOverAsANewAttemptAndTheOldOneIsStopped() {
        var commands = workflow.reassign(T0.plusSeconds(30));
        assertEquals(2, m.attempt);
        StopRequest stop = assertInstanceOf(StopRequest.class, commands.get(0));
        assertEquals(true, stop.stops(1, null));
        assertEquals(false, stop.stops(2, null));
        var again = assertInstanceOf(dev.redismigrate.common.contract.SnapshotRequest.class, commands.get(1));
        assertEquals(2, again.attempt());
    }

    @Test
    void aSilentStreamIsHandedOverFromTheLastOffsetReported() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset(OFFSET.replId(), 5000, 4)), T0);
        StreamRequest next = assertInstanceOf(StreamRequest.class, workflow.reassign(T0.plusSeconds(30)).get(1));
        assertEquals(2, next.attempt());
        assertEquals(new ReplicationOffset(OFFSET.replId(), 5000, 4), next.from());
    }

    @Test
    void aLostOffsetStartsANewFullSnapshot() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0);
        workflow.apply(event(EventType.STREAM_STARTED), T0);
        EventOutcome lost = workflow.apply(event(EventType.OFFSET_LOST).withMessage("the source can no longer continue"), T0);
        assertEquals(2, assertInstanceOf(StopRequest.class, lost.commands().get(0)).belowAttempt());
        var again = assertInstanceOf(dev.redismigrate.common.contract.SnapshotRequest.class, lost.commands().get(1));
        assertEquals(2, again.attempt());
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(MigrationPhase.SNAPSHOT, m.phase);
        assertEquals(true, lost.history().contains("a new full snapshot"));
    }

    @Test
    void anOlderAttemptThatStartsLateIsStopped() {
        workflow.reassign(T0.plusSeconds(30));
        EventOutcome late = workflow.apply(event(EventType.SNAPSHOT_STARTED), T0.plusSeconds(31));
        StopRequest stop = assertInstanceOf(StopRequest.class, late.commands().get(0));
        assertEquals(true, stop.stops(1, null));
        assertEquals(false, stop.stops(2, null));
    }

    @Test
    void failureEndsItWithTheReason() {
        workflow.apply(event(EventType.FAILED).withMessage("OOM command not allowed"), T0);
        assertEquals(MigrationStatus.ERROR, m.status);
        assertEquals(MigrationPhase.STOPPED, m.phase);
        assertEquals("OOM command not allowed", m.error);
    }

    @Test
    void anEndedMigrationOnlyStopsWorkersThatStartLate() {
        StopRequest stop = workflow.end(MigrationStatus.CANCELED, "canceled by the user", T0);
        assertEquals(m.id, stop.migrationId());
        assertEquals(EventOutcome.NONE, workflow.apply(event(EventType.STREAM_PROGRESS).withStream(5, 0L), T0));
        assertEquals(0, m.commandsApplied);
        assertEquals(EventOutcome.NONE, workflow.apply(event(EventType.FAILED).withMessage("late"), T0));
        assertEquals(MigrationStatus.CANCELED, m.status);
        assertInstanceOf(StopRequest.class, workflow.apply(event(EventType.STREAM_STARTED), T0).commands().get(0));
        assertInstanceOf(StopRequest.class, workflow.apply(event(EventType.SNAPSHOT_STARTED), T0).commands().get(0));
    }

    @Test
    void stoppedOnlyTouchesUpdatedAt() {
        workflow.apply(event(EventType.STOPPED), T0.plusSeconds(9));
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertEquals(T0.plusSeconds(9), m.updatedAt);
    }

    @Test
    void aScanMigrationCapturesFirstThenScansThenSyncsAndRestartsWhole() {
        startScan(1);
        StreamRequest capture = assertInstanceOf(StreamRequest.class, workflow.firstCommand());
        assertTrue(capture.byScan());
        assertNull(capture.from());

        EventOutcome captured = workflow.apply(event(EventType.CAPTURE_STARTED), T0);
        SnapshotRequest scan = assertInstanceOf(SnapshotRequest.class, captured.commands().get(0));
        assertTrue(scan.byScan());
        assertTrue(workflow.apply(event(EventType.CAPTURE_STARTED), T0).commands().isEmpty(), "one scan per attempt");
        assertEquals(MigrationStatus.RUNNING, m.status);

        EventOutcome completed = workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withCopy(10, 10, 100), T0);
        assertTrue(completed.commands().isEmpty(), "the capture runs already");
        assertEquals(MigrationPhase.STREAM, m.phase);
        assertEquals(100.0, MigrationView.percent(m));
        assertTrue(workflow.apply(event(EventType.CAPTURE_STARTED), T0).commands().isEmpty(), "a late repeat asks for no new scan");
        workflow.apply(event(EventType.STREAM_STARTED), T0);
        workflow.apply(event(EventType.STREAM_PROGRESS).withChanges(7, 3, 2), T0);
        assertEquals(MigrationStatus.SYNCING, m.status);
        assertEquals(3L, m.lagKeys);
        assertEquals(2L, m.lagSeconds);
        assertEquals(7, m.commandsApplied);

        // a silent capture worker missed notifications: the copy starts over, capture first
        var commands = workflow.reassign(T0.plusSeconds(30));
        assertEquals(2, assertInstanceOf(StopRequest.class, commands.get(0)).belowAttempt());
        StreamRequest again = assertInstanceOf(StreamRequest.class, commands.get(1));
        assertEquals(2, again.attempt());
        assertEquals(MigrationPhase.SNAPSHOT, m.phase);
        assertEquals(MigrationStatus.RUNNING, m.status);
        assertNull(m.lagKeys);

        // a failed scan stops the capture of the same attempt too
        EventOutcome failed = workflow.apply(MigrationEvent.of(m.id, 2, EventType.FAILED, "w").withMessage("DUMP refused"), T0);
        assertNull(assertInstanceOf(StopRequest.class, failed.commands().get(0)).belowAttempt());
        assertEquals(MigrationStatus.ERROR, m.status);
    }

    @Test
    void aSplitScanAsksForEveryPartSumsTheirFiguresAndCompletesWithTheLast() {
        startScan(3);
        assertEquals(3, assertInstanceOf(StreamRequest.class, workflow.firstCommand()).scanPartCount());
        var parts = workflow.apply(event(EventType.CAPTURE_STARTED), T0).commands();
        assertEquals(3, parts.size());
        for (int part = 0; part < 3; part++) {
            SnapshotRequest request = assertInstanceOf(SnapshotRequest.class, parts.get(part));
            assertEquals(part, request.partIndex());
            assertEquals(3, request.partCount());
        }
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS).withCopy(10, 40, 100).withPart(0), T0);
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS).withCopy(20, 40, 200).withPart(1), T0);
        workflow.apply(event(EventType.SNAPSHOT_PROGRESS).withCopy(5, 40, 50).withPart(1), T0); // a part's totals, not deltas
        assertEquals(15, m.keysCopied);
        assertEquals(80L, m.keysTotal);
        assertEquals(150, m.bytesCopied);
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withCopy(40, 40, 400).withPart(0), T0);
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withCopy(40, 40, 400).withPart(0), T0); // a repeat
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withCopy(40, 40, 400).withPart(2), T0);
        assertEquals(MigrationPhase.SNAPSHOT, m.phase, "part 1 still copies");
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withCopy(40, 40, 400).withPart(1), T0);
        assertEquals(MigrationPhase.STREAM, m.phase);
        assertEquals(120, m.keysCopied);
        assertEquals(3, MigrationView.of(m).progress().partsCompleted());
    }

    /** A split scan that starts over (its capture fell silent) asks for every part again and forgets their figures. */
    @Test
    void aSplitScanThatStartsOverForgetsItsParts() {
        startScan(2);
        workflow.apply(event(EventType.CAPTURE_STARTED), T0);
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withCopy(10, 10, 100).withPart(0), T0);
        assertEquals(1, MigrationView.of(m).progress().partsCompleted());
        assertEquals(10, m.keysCopied);

        var commands = workflow.reassign(T0.plusSeconds(30));
        assertEquals(2, assertInstanceOf(StreamRequest.class, commands.get(1)).scanPartCount());
        assertEquals(0, MigrationView.of(m).progress().partsCompleted());
        assertEquals(0, m.keysCopied);
        var parts = workflow.apply(MigrationEvent.of(m.id, 2, EventType.CAPTURE_STARTED, "w"), T0).commands();
        assertEquals(2, parts.size());
        for (var part : parts) {
            assertEquals(2, assertInstanceOf(SnapshotRequest.class, part).attempt());
        }
        workflow.apply(MigrationEvent.of(m.id, 2, EventType.SNAPSHOT_PROGRESS, "w").withCopy(3, 10, 30).withPart(1), T0);
        assertEquals(3, m.keysCopied, "part 0's figures of attempt 1 are gone");
        assertEquals(10L, m.keysTotal);
        workflow.apply(MigrationEvent.of(m.id, 2, EventType.SNAPSHOT_COMPLETED, "w").withCopy(10, 10, 100).withPart(1), T0);
        assertEquals(MigrationPhase.SNAPSHOT, m.phase, "part 0 of attempt 2 still copies");
    }

    /** Snapshot completed at OFFSET, stream started. */
    private void syncing() {
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED).withOffset(OFFSET), T0);
        workflow.apply(event(EventType.STREAM_STARTED), T0);
    }

    @Test
    void onlyASyncingMigrationWithoutACompletionUnderWayCanBeCompleted() {
        assertTrue(workflow.completionRefusal().contains("is running"));
        syncing();
        assertNull(workflow.completionRefusal());
        workflow.beginCompletion(T0, T0.plusSeconds(60));
        assertTrue(workflow.completionRefusal().contains("completing already"));
        workflow.abandonCompletion("timeout");
        assertNull(workflow.completionRefusal());
        workflow.forceCompletion(T0);
        assertTrue(workflow.completionRefusal().contains("is done"));
    }

    @Test
    void theReplicationPointIsReachedWhenTheAppliedOffsetOfThatHistoryReachesTheSources() {
        syncing();
        workflow.beginCompletion(T0, T0.plusSeconds(60));
        workflow.awaitOffset(new ReplicationOffset(OFFSET.replId(), 2000, -1));
        assertEquals(CompletionStep.WAITING_FOR_OFFSET, m.completionStep);
        workflow.apply(event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset(OFFSET.replId(), 1999, 0)), T0);
        assertFalse(workflow.pointReached());
        workflow.apply(event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset("another", 5000, 0)), T0);
        assertFalse(workflow.pointReached(), "an offset of another history says nothing");
        workflow.apply(event(EventType.STREAM_PROGRESS).withOffset(new ReplicationOffset(OFFSET.replId(), 2000, 0)), T0);
        assertTrue(workflow.pointReached());
    }

    @Test
    void aCompletionEndsDoneWhenTheStoppedWorkerSaysWhereTheStreamEnded() {
        syncing();
        workflow.beginCompletion(T0, T0.plusSeconds(60));
        workflow.awaitOffset(new ReplicationOffset(OFFSET.replId(), 2000, -1));
        StopRequest stop = workflow.stopForCompletion();
        assertEquals(m.id, stop.migrationId());
        assertEquals(CompletionStep.STOPPING, m.completionStep);
        assertEquals(MigrationStatus.SYNCING, m.status, "done only once the worker stopped");
        EventOutcome outcome = workflow.apply(event(EventType.STOPPED)
                .withOffset(new ReplicationOffset(OFFSET.replId(), 2000, 0)), T0.plusSeconds(3));
        assertTrue(outcome.history().contains("completed at offset 2000"), outcome.history());
        assertEquals(MigrationStatus.DONE, m.status);
        assertEquals(MigrationPhase.STOPPED, m.phase);
        assertEquals(T0.plusSeconds(3), m.completedAt);
        assertEquals(2000L, m.finalOffset);
        assertNull(m.completionStep);
    }

    @Test
    void aStoppedWorkerWithoutACompletionOnlyGoesToTheHistory() {
        syncing();
        workflow.apply(event(EventType.STOPPED), T0);
        assertEquals(MigrationStatus.SYNCING, m.status);
        assertNull(m.completedAt);
    }

    /** A scan capture's report made at {@code at} (the worker's clock). */
    private MigrationEvent pendingAt(long pending, Instant at) {
        return new MigrationEvent(m.id, 1, EventType.STREAM_PROGRESS, at, "w1", null, null, null, null, null, 0L, null,
                pending, 0L, null, null, null, null);
    }

    @Test
    void theScanPointNeedsAReportWithoutPendingKeysMadeAfterTheBeginningSettled() {
        startScan(1);
        workflow.apply(event(EventType.CAPTURE_STARTED), T0);
        workflow.apply(event(EventType.SNAPSHOT_COMPLETED), T0);
        workflow.apply(pendingAt(0, T0.plusSeconds(1)), T0.plusSeconds(1));
        assertEquals(MigrationStatus.SYNCING, m.status);
        Instant began = T0.plusSeconds(2);
        workflow.beginCompletion(began, began.plusSeconds(60));
        assertFalse(workflow.pointReached(), "a report from before the beginning");
        workflow.apply(pendingAt(0, began.plusMillis(500)), began);
        assertFalse(workflow.pointReached(), "a notification sent just before may still be on its way");
        workflow.apply(pendingAt(3, began.plus(MigrationWorkflow.SCAN_SETTLE)), began);
        assertFalse(workflow.pointReached(), "keys pending");
        workflow.apply(pendingAt(0, began.plusSeconds(2)), began);
        assertTrue(workflow.pointReached());
        workflow.forceCompletion(began.plusSeconds(3));
        assertNull(m.finalOffset, "scan: no offset");
    }
}

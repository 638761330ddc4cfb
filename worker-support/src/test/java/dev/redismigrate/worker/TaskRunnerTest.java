package dev.redismigrate.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.StopRequest;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A newer attempt's arrival, or a hand-over's stop, supersedes the older task (which leaves the change
 * log and the checkpoint to the newer one); a user's stop (no attempt named) stops it outright.
 */
class TaskRunnerTest {
    /** Runs until told how to end, and records how. */
    private static final class Recording implements MigrationTask {
        final UUID id;
        final int attempt;
        final List<String> told = new CopyOnWriteArrayList<>();
        final CountDownLatch running = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);

        Recording(UUID id, int attempt) {
            this.id = id;
            this.attempt = attempt;
        }

        @Override
        public UUID migrationId() {
            return id;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public void stop() {
            told.add("stop");
            ended.countDown();
        }

        @Override
        public void supersede() {
            told.add("supersede");
            ended.countDown();
        }

        @Override
        public void run() {
            running.countDown();
            try {
                ended.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aNewerAttemptHereSupersedesTheOlderOne() throws Exception {
        TaskRunner runner = new TaskRunner();
        UUID id = UUID.randomUUID();
        Recording first = new Recording(id, 1);
        Recording second = new Recording(id, 2);
        try {
            assertTrue(runner.start(first));
            assertTrue(first.running.await(5, TimeUnit.SECONDS));
            assertFalse(runner.start(new Recording(id, 1)), "the same attempt again is ignored");
            assertTrue(runner.start(second));
            assertEquals(List.of("supersede"), first.told);
            assertTrue(second.told.isEmpty());
        } finally {
            second.stop();
        }
    }

    /**
     * Kafka delivers a request again when the broker restarts before its offset was committed: an
     * attempt that already ran to its end here is not run again (a copy repeated under a running
     * stream, seen in ChangeLogFaultTest); a newer attempt is.
     */
    @Test
    void anAttemptThatEndedHereIsNotRunAgainWhenItsRequestComesAgain() throws Exception {
        TaskRunner runner = new TaskRunner();
        UUID id = UUID.randomUUID();
        Recording first = new Recording(id, 1);
        assertTrue(runner.start(first));
        assertTrue(first.running.await(5, TimeUnit.SECONDS));
        first.stop();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!runner.running().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(runner.running().isEmpty(), "the first attempt ended");
        Recording again = new Recording(id, 1);
        assertFalse(runner.start(again), "the same attempt, delivered again, is ignored");
        assertEquals(1, again.running.getCount(), "and never ran");
        Recording newer = new Recording(id, 2);
        try {
            assertTrue(runner.start(newer), "a newer attempt runs");
            assertTrue(newer.running.await(5, TimeUnit.SECONDS));
        } finally {
            newer.stop();
        }
    }

    @Test
    void aHandOversStopSupersedesAndAUsersStopStops() throws Exception {
        TaskRunner runner = new TaskRunner();
        UUID handedOver = UUID.randomUUID();
        UUID canceled = UUID.randomUUID();
        Recording older = new Recording(handedOver, 1);
        Recording stopped = new Recording(canceled, 1);
        runner.start(older);
        runner.start(stopped);
        assertTrue(older.running.await(5, TimeUnit.SECONDS) && stopped.running.await(5, TimeUnit.SECONDS));

        assertTrue(runner.stop(new StopRequest(handedOver, "handed over to attempt 2", 2)));
        assertTrue(runner.stop(new StopRequest(canceled, "DELETE")));
        assertEquals(List.of("supersede"), older.told);
        assertEquals(List.of("stop"), stopped.told);
        assertFalse(runner.stop(new StopRequest(UUID.randomUUID(), "unknown")), "nothing of another migration runs here");
    }
}

package dev.redismigrate.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The task skeleton on its own: the pump, the stop, the failure reporting, the backoff. */
class RequestTaskTest {
    private static final RedisEndpoint SERVER = new RedisEndpoint("127.0.0.1", 1, null, null, false);

    /** A reader of numbered one-entry batches, {@code limit} of them (negative: without end). */
    private static final class Numbers implements EntryReader<Integer> {
        final AtomicInteger read = new AtomicInteger();
        final int limit;

        Numbers(int limit) {
            this.limit = limit;
        }

        @Override
        public EntryBatch<Integer> next(Duration wait) {
            int n = read.incrementAndGet();
            if (limit >= 0 && n > limit) {
                return null;
            }
            return new EntryBatch<>(List.of(new Entry(0, new byte[][] {"PING".getBytes()}, n)), 1, n);
        }
    }

    /** A task that pumps a reader into a list, then does what the test says. */
    private static class Pumping extends RequestTask {
        final List<MigrationEvent> events;
        final EntryReader<Integer> reader;
        final List<Integer> handled = new CopyOnWriteArrayList<>();
        final CountDownLatch started = new CountDownLatch(1);
        volatile boolean readerEnded;

        Pumping(List<MigrationEvent> events, EntryReader<Integer> reader) {
            super(UUID.randomUUID(), 1, SERVER, SERVER, events::add);
            this.events = events;
            this.reader = reader;
        }

        @Override
        protected String what() {
            return "test copy";
        }

        @Override
        protected void work() throws Exception {
            started.countDown();
            readerEnded = pump(reader, batch -> {
                handled.add(batch.end());
                after(batch.end());
            }, Duration.ZERO);
            if (readerEnded) {
                publish(event(EventType.SNAPSHOT_COMPLETED));
            } else if (stopRequested) {
                publish(event(EventType.STOPPED));
            }
        }

        /** What the test's task does after handling batch {@code n}. */
        void after(int n) {
        }
    }

    @Test
    void aReaderIsPumpedToItsEndInOrder() {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        Pumping task = new Pumping(events, new Numbers(5));
        task.run();
        assertEquals(List.of(1, 2, 3, 4, 5), task.handled);
        assertTrue(task.readerEnded);
        assertEquals(List.of(EventType.SNAPSHOT_COMPLETED), types(events));
    }

    @Test
    void aStopBeforeTheRunReadsNothing() {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        Numbers reader = new Numbers(-1);
        Pumping task = new Pumping(events, reader);
        task.stop();
        task.run();
        assertEquals(0, reader.read.get(), "nothing read after a stop");
        assertEquals(List.of(EventType.STOPPED), types(events));
    }

    @Test
    void aStopWhileRunningEndsThePumpBetweenBatchesWithoutAFailure() throws Exception {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        Numbers reader = new Numbers(-1);
        Pumping task = new Pumping(events, reader);
        Thread thread = new Thread(task);
        thread.start();
        assertTrue(task.started.await(5, TimeUnit.SECONDS));
        while (task.handled.size() < 100) {
            Thread.sleep(1);
        }
        task.stop();
        thread.join(5_000);
        assertFalse(thread.isAlive(), "the task ended after the stop");
        assertFalse(task.readerEnded);
        assertEquals(reader.read.get(), task.handled.size(), "each batch read was handled: none dropped");
        assertEquals(List.of(EventType.STOPPED), types(events));
    }

    @Test
    void theFirstFailureIsTheReasonAndEndsThePump() {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        Pumping task = new Pumping(events, new Numbers(-1)) {
            @Override
            void after(int n) {
                if (n == 3) {
                    fail("the target refused batch 3");
                }
                if (n == 4) {
                    fail("a consequence");
                }
            }
        };
        task.run();
        assertEquals(List.of(1, 2, 3), task.handled, "no batch handled after the failure");
        assertEquals(List.of(EventType.FAILED), types(events), "one FAILED, at the end");
        assertEquals("the target refused batch 3", events.get(0).message());
    }

    @Test
    void aThrownFailureIsReportedOnceWithWhatFailed() {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        Pumping unexpected = new Pumping(events, new Numbers(-1)) {
            @Override
            void after(int n) {
                throw new IllegalStateException("broken at " + n);
            }
        };
        unexpected.run();
        assertEquals(List.of(EventType.FAILED), types(events));
        assertEquals("test copy failed: broken at 1", events.get(0).message());

        events.clear();
        Pumping redis = new Pumping(events, new Numbers(-1)) {
            @Override
            void after(int n) {
                throw new RedisAccessException("lost 127.0.0.1:1");
            }
        };
        redis.run();
        assertEquals(List.of(EventType.FAILED), types(events));
        assertEquals("lost 127.0.0.1:1", events.get(0).message(), "a Redis error names its server already");
    }

    @Test
    void backoffDoublesUpToItsMaximumAndRunsOutOfBudget() {
        Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofMillis(150), () -> false);
        long start = System.nanoTime();
        List<Long> pauses = new java.util.ArrayList<>();
        while (!backoff.exhausted()) {
            pauses.add(backoff.nextMillis());
            assertTrue(backoff.pause());
        }
        assertEquals(List.of(10L, 20L, 40L, 40L), pauses.subList(0, 4));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMillis >= 150, "the budget was waited out: " + tookMillis + " ms");
        assertTrue(tookMillis < 1_000, "and not much more: " + tookMillis + " ms");
    }

    @Test
    void aStopEndsABackoffsPauseEarly() throws Exception {
        List<MigrationEvent> events = new CopyOnWriteArrayList<>();
        Pumping task = new Pumping(events, new Numbers(0));
        Backoff backoff = task.backoff(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(1));
        Thread stopper = new Thread(() -> {
            sleep(100);
            task.stop();
        });
        stopper.start();
        long start = System.nanoTime();
        assertFalse(backoff.pause(), "a stop came during the pause");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMillis < 2_000, "ended soon after the stop, not after 30 s: " + tookMillis + " ms");
        stopper.join();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<EventType> types(List<MigrationEvent> events) {
        return events.stream().map(MigrationEvent::type).toList();
    }
}

package dev.redismigrate.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A deadline runs once per arming, arms folded together while armed, and nothing while disarmed. */
class TickerTest {

    @Test
    void aDeadlineRunsOnceForArmsBeforeItFiresAndNotAtAllUnarmed() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Semaphore ran = new Semaphore(0);
        try (Ticker ticker = new Ticker("ticker-test")) {
            Ticker.Deadline deadline = ticker.deadline(Duration.ofMillis(50), () -> {
                runs.incrementAndGet();
                ran.release();
            });
            Thread.sleep(150);
            assertEquals(0, runs.get(), "never armed: never run");

            for (int i = 0; i < 10; i++) {
                deadline.arm(); // all within the 50 ms (the arms take microseconds): one run
            }
            assertTrue(ran.tryAcquire(10, TimeUnit.SECONDS), "armed: run");
            Thread.sleep(300);
            assertEquals(1, runs.get(), "not armed since it ran: not run again");

            deadline.arm();
            assertTrue(ran.tryAcquire(10, TimeUnit.SECONDS), "armed again after it ran: run again");
            assertEquals(2, runs.get());
        }
    }

    @Test
    void anActionMayArmItsOwnDeadlineAgain() throws Exception {
        CountDownLatch threeRuns = new CountDownLatch(3);
        AtomicInteger runs = new AtomicInteger();
        try (Ticker ticker = new Ticker("ticker-test")) {
            Ticker.Deadline[] self = new Ticker.Deadline[1];
            self[0] = ticker.deadline(Duration.ofMillis(5), () -> {
                threeRuns.countDown();
                if (runs.incrementAndGet() < 3) {
                    self[0].arm(); // still open: again
                }
            });
            self[0].arm();
            assertTrue(threeRuns.await(5, TimeUnit.SECONDS));
            Thread.sleep(100);
            assertEquals(3, runs.get(), "left disarmed after the third run");
        }
    }

    @Test
    void armingAClosedTickerDoesNothing() {
        AtomicInteger runs = new AtomicInteger();
        Ticker ticker = new Ticker("ticker-test");
        Ticker.Deadline deadline = ticker.deadline(Duration.ofMillis(1), runs::incrementAndGet);
        ticker.close();
        deadline.arm(); // the task is ending: no exception, no run
        assertEquals(0, runs.get());
    }
}

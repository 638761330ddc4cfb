package dev.redismigrate.worker;

import dev.redismigrate.common.threads.MigrationThreads;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A task's periodic work (progress reports, a heartbeat while the source is still busy, batch
 * deadlines) on one thread of its own, so that it runs whatever the task's thread is blocked on.
 * Actions of one ticker never run at the same time.
 */
public final class Ticker implements AutoCloseable {
    private final ScheduledExecutorService timer;

    public Ticker(String name) {
        this.timer = MigrationThreads.timer(name);
    }

    /** Runs {@code action} after {@code first}, then {@code period} after each run ended. */
    public Ticker every(Duration first, Duration period, Runnable action) {
        timer.scheduleWithFixedDelay(action, first.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        return this;
    }

    /** Runs {@code action} every {@code period}, the first time after one period. */
    public Ticker every(Duration period, Runnable action) {
        return every(period, period, action);
    }

    /** Stops the ticks and waits (up to 5 s) for a running one to end. */
    public void closeAndWait() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Stops the ticks; a running one is interrupted and not waited for. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}

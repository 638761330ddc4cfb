package dev.redismigrate.worker;

import dev.redismigrate.common.threads.MigrationThreads;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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

    /**
     * An action run once {@code after} each time it is {@linkplain Deadline#arm() armed}, for a deadline that
     * exists only now and then (an open batch): while nothing is armed the ticker's thread sleeps, where a
     * periodic check would wake it hundreds of times a second for nothing (2.7% of a core per idle stream).
     */
    public Deadline deadline(Duration after, Runnable action) {
        return new Deadline(after.toNanos(), action);
    }

    /** A one-shot action of this ticker, armed again as often as needed; see {@link #deadline}. */
    public final class Deadline {
        private final long afterNanos;
        private final Runnable action;
        private final AtomicBoolean armed = new AtomicBoolean();

        private Deadline(long afterNanos, Runnable action) {
            this.afterNanos = afterNanos;
            this.action = action;
        }

        /** Runs the action {@code after} from now, unless it is armed already (then at that earlier time). */
        public void arm() {
            if (armed.compareAndSet(false, true)) {
                try {
                    timer.schedule(this::fire, afterNanos, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    armed.set(false); // the ticker is closed: the task is ending
                }
            }
        }

        private void fire() {
            armed.set(false); // first: the action, or what it starts, may arm it again
            action.run();
        }
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

package dev.redismigrate.worker;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits between attempts to reach a server again: the first pause {@code first}, each next one
 * twice as long up to {@code max}, for a budget counted from when the backoff was made. A pause
 * ends early when the task is asked to stop (polled every 50 ms).
 */
public final class Backoff {
    private static final long POLL_MILLIS = 50;

    private final long maxMillis;
    private final long deadlineNanos;
    private final BooleanSupplier stopped;
    private long nextMillis;

    public Backoff(Duration first, Duration max, Duration budget, BooleanSupplier stopped) {
        this.nextMillis = first.toMillis();
        this.maxMillis = max.toMillis();
        this.deadlineNanos = System.nanoTime() + budget.toNanos();
        this.stopped = stopped;
    }

    /** The pause the next {@link #pause} waits. */
    public long nextMillis() {
        return nextMillis;
    }

    /** Waits the next pause, then doubles it. @return false when a stop (or an interrupt) came meanwhile */
    public boolean pause() {
        long until = System.nanoTime() + nextMillis * 1_000_000;
        nextMillis = Math.min(nextMillis * 2, maxMillis);
        while (!stopped.getAsBoolean() && System.nanoTime() < until) {
            try {
                Thread.sleep(Math.min(POLL_MILLIS, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !stopped.getAsBoolean();
    }

    /** Whether the budget has run out. */
    public boolean exhausted() {
        return System.nanoTime() > deadlineNanos;
    }
}

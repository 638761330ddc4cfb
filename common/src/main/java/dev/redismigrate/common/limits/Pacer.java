package dev.redismigrate.common.limits;

import java.util.concurrent.TimeUnit;

/**
 * Holds a thread back to a rate of permits per second that may change at any time (0: no limit).
 * Permits are booked ahead: a caller waits until its share of time has come, so over any stretch
 * no more than the rate passes (no burst after an idle while: n permits take (n - 1) / rate at least).
 */
public final class Pacer {
    private volatile long perSecond;
    private long nextFreeNanos = System.nanoTime();

    public Pacer(long perSecond) {
        this.perSecond = Math.max(0, perSecond);
    }

    /** Takes effect for the next permits; a waiting caller waits no longer than its booking said. */
    public void rate(long perSecond) {
        this.perSecond = Math.max(0, perSecond);
    }

    public long rate() {
        return perSecond;
    }

    /** Waits until {@code permits} more may pass. */
    public void acquire(long permits) {
        long rate = perSecond;
        if (rate <= 0 || permits <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            long start = Math.max(nextFreeNanos, now);
            nextFreeNanos = start + permits * TimeUnit.SECONDS.toNanos(1) / rate;
            waitNanos = start - now;
        }
        if (waitNanos > 0) {
            sleep(Math.min(waitNanos, TimeUnit.SECONDS.toNanos(1)));
            if (waitNanos > TimeUnit.SECONDS.toNanos(1)) {
                // a long wait is booked at the old rate: see whether the limit was raised meanwhile
                acquireRest(waitNanos - TimeUnit.SECONDS.toNanos(1), rate);
            }
        }
    }

    private void acquireRest(long restNanos, long bookedRate) {
        while (restNanos > 0 && perSecond == bookedRate) {
            long step = Math.min(restNanos, TimeUnit.MILLISECONDS.toNanos(100));
            sleep(step);
            restNanos -= step;
        }
        if (restNanos > 0) {
            synchronized (this) {
                nextFreeNanos = System.nanoTime(); // the limit changed: the old booking no longer holds
            }
        }
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

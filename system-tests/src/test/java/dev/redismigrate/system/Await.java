package dev.redismigrate.system;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or the time is up (then fails, saying what was awaited). */
final class Await {
    private Await() {
    }

    static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(200);
        }
    }

    /** Watches a condition for the whole time given and fails as soon as it holds (a bounded negative check). */
    static void never(Duration watch, BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + watch.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                throw new AssertionError("happened, but must not: " + what.get());
            }
            Thread.sleep(100);
        }
    }
}

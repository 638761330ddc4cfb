package dev.redismigrate.snapshot.verify;

import java.time.Duration;

/**
 * How a {@link Verifier} works.
 *
 * @param batchSize       keys read per pipelined batch on each side (TYPE, PTTL and the value digest of each)
 * @param ttlTolerance    TTLs (PTTL) of a key on both sides may differ this much
 * @param recheckAttempts a key that differs is read again this many times before it is reported
 * @param recheckDelay    the pause before the first re-check, doubled for each next one (the stream's lag must fit in them)
 * @param reportEvery     progress reports while running
 * @param keysListed      keys named per kind of mismatch
 * @param digestValue     use {@code DEBUG DIGEST-VALUE} when both servers allow it (else type-wise hashes)
 */
public record VerifySettings(int batchSize, Duration ttlTolerance, int recheckAttempts, Duration recheckDelay,
        Duration reportEvery, int keysListed, boolean digestValue) {

    public static VerifySettings defaults() {
        return new VerifySettings(500, Duration.ofSeconds(1), 3, Duration.ofMillis(200), Duration.ofSeconds(1), 100, true);
    }

    public VerifySettings withRecheck(int attempts, Duration delay) {
        return new VerifySettings(batchSize, ttlTolerance, attempts, delay, reportEvery, keysListed, digestValue);
    }

    public VerifySettings withDigestValue(boolean use) {
        return new VerifySettings(batchSize, ttlTolerance, recheckAttempts, recheckDelay, reportEvery, keysListed, use);
    }

    public VerifySettings withBatchSize(int size) {
        return new VerifySettings(size, ttlTolerance, recheckAttempts, recheckDelay, reportEvery, keysListed, digestValue);
    }
}

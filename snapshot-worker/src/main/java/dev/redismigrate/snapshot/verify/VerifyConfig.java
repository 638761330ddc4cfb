package dev.redismigrate.snapshot.verify;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** redis-migrate.verify.*: how the verifier of this worker compares (see {@link VerifySettings}). */
@ConfigMapping(prefix = "redis-migrate.verify")
public interface VerifyConfig {
    /** keys per pipelined batch on each side (at most 1000) */
    @WithDefault("500")
    int batchSize();

    /** PTTLs of a key may differ this much between source and target */
    @WithDefault("1s")
    Duration ttlTolerance();

    /** a key that differs is read again this many times before it is reported */
    @WithDefault("3")
    int recheckAttempts();

    /** the pause before the first re-check; each next one waits twice as long */
    @WithDefault("200ms")
    Duration recheckDelay();

    @WithDefault("1s")
    Duration reportEvery();

    /** keys named per kind of mismatch */
    @WithDefault("100")
    int keysListed();

    /** false: never try DEBUG DIGEST-VALUE, always hash values type by type */
    @WithDefault("true")
    boolean digestValue();

    /** a request older than this when it arrives (a backlog after an outage) is skipped: api-service gave up on it */
    @WithDefault("5m")
    Duration requestExpiry();

    default VerifySettings settings() {
        return new VerifySettings(batchSize(), ttlTolerance(), recheckAttempts(), recheckDelay(), reportEvery(),
                keysListed(), digestValue());
    }
}

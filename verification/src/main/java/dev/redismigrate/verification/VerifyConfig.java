package dev.redismigrate.verification;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** redis-migrate.verify.*: how a {@link Verifier} compares. */
@ConfigMapping(prefix = "redis-migrate.verify")
public interface VerifyConfig {
    /** keys read per pipelined batch on each side (TYPE, PTTL and the value digest of each; at most 1000) */
    @WithDefault("500")
    int batchSize();

    /** PTTLs of a key on both sides may differ this much */
    @WithDefault("1s")
    Duration ttlTolerance();

    /** a key that differs is read again this many times before it is reported */
    @WithDefault("3")
    int recheckAttempts();

    /** the pause before the first re-check; each next one waits twice as long (the stream's lag must fit in them) */
    @WithDefault("200ms")
    Duration recheckDelay();

    /** progress reports while running */
    @WithDefault("1s")
    Duration reportEvery();

    /** keys named per kind of mismatch */
    @WithDefault("100")
    int keysListed();

    /** use DEBUG DIGEST-VALUE when both servers allow it; false: always hash values type by type */
    @WithDefault("true")
    boolean digestValue();

    /** a request older than this when it arrives (a backlog after an outage) is skipped: api-service gave up on it */
    @WithDefault("5m")
    Duration requestExpiry();

    /**
     * The defaults above with some settings changed, for a verifier run outside the service (tests).
     *
     * @param settings names without the prefix and values, e.g. {@code "batch-size", "100"}
     */
    static VerifyConfig of(String... settings) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i + 1 < settings.length; i += 2) {
            values.put("redis-migrate.verify." + settings[i], settings[i + 1]);
        }
        // durations as Quarkus reads them ("200ms", "5m")
        return new SmallRyeConfigBuilder().withMapping(VerifyConfig.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(values, "verifier settings", 100))
                .build().getConfigMapping(VerifyConfig.class);
    }
}

package dev.redismigrate.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** The api-service's own settings. */
@ConfigMapping(prefix = "redis-migrate")
public interface ApiConfig {

    Api api();

    MigrationSettings migration();

    interface Api {
        /** Bearer tokens accepted on the /v2 routes (comma-separated in properties). */
        List<String> tokens();
    }

    interface MigrationSettings {
        /** A migration still active this long after its start is stopped and marked done. */
        Duration maxDuration();

        /**
         * An active migration whose worker has said nothing for this long (it reports every second)
         * is handed to another instance as a new attempt.
         */
        Duration workerSilence();

        /**
         * Scan method: a source with more keys than this (in the migrated dbs) is scanned in parts that
         * snapshot-worker instances copy side by side, each the keys of one hash share.
         */
        @WithDefault("1000000")
        long scanKeysPerPart();

        /** Scan method: parts at most (at most 32). */
        @WithDefault("8")
        int scanMaxParts();
    }
}

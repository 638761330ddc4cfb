package dev.redismigrate.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The api-service's own settings, and their defaults (here only: application.properties sets what
 * differs per profile). The intervals of the scheduled checks are read by {@code @Scheduled} as
 * {@code ${redis-migrate....}}; these defaults apply there too.
 */
@ConfigMapping(prefix = "redis-migrate")
public interface ApiConfig {

    Api api();

    MigrationSettings migration();

    VerifySettings verify();

    Outbox outbox();

    Metrics metrics();

    /**
     * Put before every topic name (empty by default); the same for all services: it separates one
     * deployment's topics and consumer groups from another's on a shared broker (tests, demo).
     */
    Optional<String> topicPrefix();

    interface Api {
        /** Bearer tokens accepted on the /v2 routes (comma-separated in properties). */
        List<String> tokens();
    }

    interface MigrationSettings {
        /** A migration still active this long after its start is stopped and marked done. */
        @WithDefault("${REDIS_MIGRATE_MAX_DURATION:14d}")
        Duration maxDuration();

        /**
         * An active migration whose worker has said nothing for this long (it reports every second)
         * is handed to another instance as a new attempt.
         */
        @WithDefault("${REDIS_MIGRATE_WORKER_SILENCE:20s}")
        Duration workerSilence();

        /** How often silent workers are looked for. */
        @WithDefault("5s")
        Duration silenceCheck();

        /** How often migrations past stops_at are looked for. */
        @WithDefault("10s")
        Duration expiryCheck();

        /**
         * Scan method: a source with more keys than this (in the migrated dbs) is scanned in parts that
         * snapshot-worker instances copy side by side, each the keys of one hash share.
         */
        @WithDefault("1000000")
        long scanKeysPerPart();

        /**
         * Scan method: parts at most (at most 32). Every part SCANs the whole keyspace and copies its
         * share, so each part beyond the first costs the source a full SCAN more (measured: 5 parts took
         * the source's CPU from 5.7 s to 11.6 s per 1,000,000 keys and the copy from 0.62x to 0.43x of
         * Redis's replication): 1 by default; more only where that many snapshot-worker instances run on
         * machines of their own and the source has CPU to spare.
         */
        @WithDefault("1")
        int scanMaxParts();

        /**
         * A cluster source: each shard's snapshot reads an online replica of the shard where it has one
         * (sparing the master the fork); the stream always follows the master. Off: the masters.
         */
        @WithDefault("false")
        boolean readFromReplica();
    }

    interface VerifySettings {
        /** A verifier reports every second: a running verification this long without a report ends in error. */
        @WithDefault("30s")
        Duration silence();

        /** How often silent verifications are looked for. */
        @WithDefault("5s")
        Duration silenceCheck();

        /** sample_size when mode is "sample" and none is given. */
        @WithDefault("1000")
        int defaultSampleSize();
    }

    interface Outbox {
        /** How often the outbox is retried (it is also sent right after each commit). */
        @WithDefault("5s")
        Duration retryEvery();
    }

    interface Metrics {
        /** How often the migration gauges of /q/metrics are read from PostgreSQL. */
        @WithDefault("5s")
        Duration refreshEvery();
    }
}

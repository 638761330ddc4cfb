package dev.redismigrate.worker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MigrationMetersTest {
    private final MovableClock clock = new MovableClock();
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final MigrationMeters meters = new MigrationMeters(registry, clock);
    private final UUID id = UUID.randomUUID();

    @Test
    void copyEventsBecomeCountersAndAGaugeOfTheMigration() {
        meters.record(event(EventType.SNAPSHOT_STARTED).withCopy(0, 500, 0));
        meters.record(event(EventType.SNAPSHOT_PROGRESS).withCopy(200, 500, 4096));
        meters.record(event(EventType.SNAPSHOT_PROGRESS).withCopy(450, 500, 9000));

        assertEquals(450, value("redis.migrate.worker.keys.copied"));
        assertEquals(9000, value("redis.migrate.worker.bytes.copied"));
        assertEquals(500, value("redis.migrate.worker.source.keys"));
        assertNull(meter("redis.migrate.worker.lag.bytes"), "a snapshot shows no stream figures");
    }

    @Test
    void thePartsOfASplitScanOnOneWorkerAddUp() {
        meters.record(event(EventType.SNAPSHOT_PROGRESS).withCopy(100, 300, 1000).withPart(0));
        meters.record(event(EventType.SNAPSHOT_PROGRESS).withCopy(50, 300, 500).withPart(2));
        meters.record(event(EventType.SNAPSHOT_PROGRESS).withCopy(120, 300, 1200).withPart(0));

        assertEquals(170, value("redis.migrate.worker.keys.copied"));
        assertEquals(600, value("redis.migrate.worker.source.keys"));
        assertEquals(1700, value("redis.migrate.worker.bytes.copied"));
    }

    @Test
    void lagInSecondsCountsFromWhenTheTargetWasLastCaughtUp() {
        meters.record(event(EventType.STREAM_PROGRESS).withStream(10, 0L));
        clock.advance(Duration.ofSeconds(3));
        meters.record(event(EventType.STREAM_PROGRESS).withStream(25, 800L));
        clock.advance(Duration.ofSeconds(4));

        assertEquals(25, value("redis.migrate.worker.commands.applied"));
        assertEquals(800, value("redis.migrate.worker.lag.bytes"));
        assertEquals(7.0, value("redis.migrate.worker.lag.seconds"), "behind since the last report of lag 0, 7 s ago");

        meters.record(event(EventType.STREAM_PROGRESS).withStream(40, 0L));
        assertEquals(0.0, value("redis.migrate.worker.lag.seconds"));
    }

    @Test
    void theScanMethodsLagIsInPendingKeysAndTheAgeOfTheOldest() {
        meters.record(event(EventType.STREAM_PROGRESS).withChanges(30, 12, 4));
        assertEquals(30, value("redis.migrate.worker.commands.applied"));
        assertEquals(12, value("redis.migrate.worker.lag.keys"));
        assertEquals(4.0, value("redis.migrate.worker.lag.seconds"));
        meters.record(event(EventType.STREAM_PROGRESS).withChanges(42, 0, 0));
        assertEquals(0, value("redis.migrate.worker.lag.keys"));
        assertEquals(0.0, value("redis.migrate.worker.lag.seconds"));
    }

    @Test
    void theReplicationLagIsShownInItsTwoParts() {
        meters.record(event(EventType.STREAM_PROGRESS).withStream(10, 5000L).withLagParts(20L, 4980L, 1.5));
        assertEquals(20, value("redis.migrate.worker.capture.lag.bytes"));
        assertEquals(4980, value("redis.migrate.worker.apply.lag.bytes"));
        assertEquals(1.5, value("redis.migrate.worker.apply.lag.seconds"));
        meters.record(event(EventType.STREAM_PROGRESS).withStream(90, 0L).withLagParts(0L, 0L, 0.0));
        assertEquals(0, value("redis.migrate.worker.apply.lag.bytes"));
        assertEquals(0.0, value("redis.migrate.worker.apply.lag.seconds"));
    }

    @Test
    void failuresAreCountedByKind() {
        meters.record(event(EventType.FAILED).withMessage("the source can no longer continue from offset r:10 (...)"));
        meters.record(event(EventType.FAILED).withMessage("127.0.0.1:6379: WRONGPASS invalid username-password pair"));
        meters.record(event(EventType.FAILED).withMessage("the source can no longer continue from offset r:20 (...)"));

        assertEquals(2, registry.get("redis.migrate.worker.failures").tag("migration", id.toString())
                .tag("kind", "offset_lost").counter().count());
        assertEquals(1, registry.get("redis.migrate.worker.failures").tag("kind", "auth").counter().count());
    }

    @Test
    void theMetersOfAnEndedMigrationGoAfterTheRetention() {
        meters.record(event(EventType.STREAM_PROGRESS).withStream(5, 0L));
        meters.record(event(EventType.STOPPED).withStream(6, null));
        clock.advance(MigrationMeters.RETENTION.minusSeconds(1));
        UUID other = UUID.randomUUID();
        meters.record(MigrationEvent.of(other, 1, EventType.STREAM_STARTED, "w").withStream(0, 0L));
        assertEquals(6, value("redis.migrate.worker.commands.applied"), "kept within the retention");

        clock.advance(Duration.ofSeconds(2));
        meters.record(MigrationEvent.of(other, 1, EventType.STREAM_PROGRESS, "w").withStream(1, 0L));
        assertNull(meter("redis.migrate.worker.commands.applied"), "removed after it");
        assertEquals(1, registry.get("redis.migrate.worker.commands.applied").tag("migration", other.toString())
                .functionCounter().count(), "a running migration stays");
    }

    @Test
    void failureKindsFollowTheWordsOfTheReason() {
        assertEquals(FailureKind.VERSION, FailureKind.of("the source runs Redis 7.2.0, newer than the target's 7.0.15"));
        assertEquals(FailureKind.CONNECTION, FailureKind.of("lost the source 10.0.0.1:6379 for more than 60 s: Connection refused"));
        assertEquals(FailureKind.TARGET_WRITE, FailureKind.of("the target 10.0.0.2:6379 refused RESTORE: OOM"));
        assertEquals(FailureKind.OTHER, FailureKind.of("snapshot failed: NullPointerException"));
        assertEquals(FailureKind.OTHER, FailureKind.of(null));
    }

    private MigrationEvent event(EventType type) {
        return MigrationEvent.of(id, 1, type, "worker-1");
    }

    private Meter meter(String name) {
        return registry.find(name).tag("migration", id.toString()).meter();
    }

    private double value(String name) {
        Meter meter = meter(name);
        if (meter == null) {
            throw new AssertionError(name + " not registered");
        }
        return meter.measure().iterator().next().getValue();
    }

    /** Time that moves only when the test says so. */
    private static final class MovableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}

package dev.redismigrate.worker.metrics;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Per-migration meters of this worker, derived from the events it publishes, so each instance
 * shows what it is doing without asking api-service. Every meter is tagged {@code migration} (id),
 * and {@code shard} for a source shard of a cluster source
 * and appears with the first event that carries its figure: a snapshot worker shows keys and bytes,
 * a stream worker commands and lag.
 * <p>
 * Events carry totals, so the counters read the latest total (a new attempt that starts again
 * from zero looks like a counter reset, which Prometheus handles). A migration's meters are removed
 * {@link #RETENTION} after its task here ended: that bounds their number and leaves scrapers
 * time to read the final figures.
 */
@ApplicationScoped
public class MigrationMeters {
    static final Duration RETENTION = Duration.ofMinutes(10);

    private final MeterRegistry registry;
    private final Clock clock;
    /** also what keeps the figures alive: meters hold them only weakly */
    private final Map<Unit, Figures> migrations = new ConcurrentHashMap<>();

    /** A migration, or one source shard of a cluster source's migration (each has its own meters, tagged {@code shard}). */
    private record Unit(UUID migrationId, Integer shard) {
    }

    @Inject
    MigrationMeters(MeterRegistry registry) {
        this(registry, Clock.systemUTC());
    }

    MigrationMeters(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    public void record(MigrationEvent event) {
        Instant now = clock.instant();
        removeEndedBefore(now.minus(RETENTION));
        migrations.computeIfAbsent(new Unit(event.migrationId(), event.shard()), Figures::new).apply(event, now);
    }

    private void removeEndedBefore(Instant limit) {
        migrations.values().removeIf(f -> f.removeIfEndedBefore(limit));
    }

    /** One migration's latest figures and the meters that read them. */
    private final class Figures {
        private final Tags tags;
        private final List<Meter> meters = new ArrayList<>();
        private final Map<FailureKind, Counter> failures = new EnumMap<>(FailureKind.class);
        private volatile long keysCopied;
        private volatile long bytesCopied;
        private volatile long keysTotal;
        private volatile long commandsApplied;
        private volatile long lagBytes;
        /** scan method: changed keys not yet copied again, and the age of the oldest as reported */
        private volatile long pendingKeys;
        private volatile Long changeLagSeconds;
        private boolean changeMeters;
        /** replication: source → change log, and change log → target */
        private volatile long captureLagBytes;
        private volatile long applyLagBytes;
        private volatile double applyLagSeconds;
        private boolean lagPartMeters;
        /** parts of a split scan that run here: each part's keys copied, keys total, bytes copied */
        private final Map<Integer, long[]> parts = new HashMap<>();
        /** when the target was last seen caught up (lag 0), or when this worker began following */
        private volatile Instant caughtUpAt;
        private volatile Instant lastEventAt;
        private volatile boolean ended;
        private boolean copyMeters;
        private boolean streamMeters;

        Figures(Unit unit) {
            Tags migration = Tags.of("migration", unit.migrationId().toString());
            tags = unit.shard() == null ? migration : migration.and("shard", unit.shard().toString());
        }

        // one migration's events come from its task thread and its progress timer
        synchronized void apply(MigrationEvent event, Instant now) {
            lastEventAt = now;
            ended = event.type() == EventType.SNAPSHOT_COMPLETED || event.type() == EventType.STOPPED
                    || event.type() == EventType.FAILED;
            if (event.keysCopied() != null || event.keysTotal() != null || event.bytesCopied() != null) {
                registerCopyMeters();
                if (event.part() == null) {
                    keysCopied = orElse(event.keysCopied(), keysCopied);
                    keysTotal = orElse(event.keysTotal(), keysTotal);
                    bytesCopied = orElse(event.bytesCopied(), bytesCopied);
                } else {
                    partCopied(event);
                }
            }
            if (event.commandsApplied() != null || event.lagBytes() != null) {
                registerStreamMeters();
                commandsApplied = orElse(event.commandsApplied(), commandsApplied);
                if (event.lagBytes() != null) {
                    lagBytes = event.lagBytes();
                    if (lagBytes == 0 || caughtUpAt == null) {
                        caughtUpAt = now;
                    }
                }
            }
            if (event.applyLagBytes() != null) {
                registerLagPartMeters();
                captureLagBytes = orElse(event.captureLagBytes(), captureLagBytes);
                applyLagBytes = event.applyLagBytes();
                applyLagSeconds = event.applyLagSeconds() == null ? 0 : event.applyLagSeconds();
            }
            if (event.pendingKeys() != null) {
                registerChangeMeters();
                pendingKeys = event.pendingKeys();
                changeLagSeconds = event.lagSeconds();
            }
            if (event.type() == EventType.FAILED) {
                failures.computeIfAbsent(FailureKind.of(event.message()), kind -> keep(Counter
                        .builder("redis.migrate.worker.failures")
                        .description("Failed tasks of a migration on this worker, by kind")
                        .tags(tags).tag("kind", kind.tag()).register(registry))).increment();
            }
        }

        /** A part reports its own totals: this worker's figures are the sums over its parts. */
        private void partCopied(MigrationEvent event) {
            long[] part = parts.computeIfAbsent(event.part(), p -> new long[3]);
            part[0] = orElse(event.keysCopied(), part[0]);
            part[1] = orElse(event.keysTotal(), part[1]);
            part[2] = orElse(event.bytesCopied(), part[2]);
            keysCopied = parts.values().stream().mapToLong(f -> f[0]).sum();
            keysTotal = parts.values().stream().mapToLong(f -> f[1]).sum();
            bytesCopied = parts.values().stream().mapToLong(f -> f[2]).sum();
        }

        private void registerCopyMeters() {
            if (copyMeters) {
                return;
            }
            copyMeters = true;
            counter("redis.migrate.worker.keys.copied", "Keys of the snapshot restored into the target", f -> f.keysCopied);
            counter("redis.migrate.worker.bytes.copied", "Bytes of RESTORE payload written to the target", f -> f.bytesCopied);
            gauge("redis.migrate.worker.source.keys", "Keys the snapshot has to copy (the source's, less ignored dbs)",
                    f -> f.keysTotal);
        }

        private void registerStreamMeters() {
            if (streamMeters) {
                return;
            }
            streamMeters = true;
            counter("redis.migrate.worker.commands.applied", "Source commands replayed on the target", f -> f.commandsApplied);
            gauge("redis.migrate.worker.lag.bytes", "Replication offset of the source not yet applied to the target",
                    f -> f.lagBytes);
            gauge("redis.migrate.worker.lag.seconds", "Seconds since the target was last seen caught up (0 when it is)",
                    Figures::lagSeconds);
        }

        private void registerLagPartMeters() {
            if (lagPartMeters) {
                return;
            }
            lagPartMeters = true;
            gauge("redis.migrate.worker.capture.lag.bytes",
                    "Replication offset of the source not yet captured into the change log (near 0 normally)",
                    f -> f.captureLagBytes);
            gauge("redis.migrate.worker.apply.lag.bytes", "Captured into the change log but not yet applied to the target",
                    f -> f.applyLagBytes);
            gauge("redis.migrate.worker.apply.lag.seconds",
                    "Age of the oldest captured command not yet applied to the target (0 when none waits)", f -> f.applyLagSeconds);
        }

        private void registerChangeMeters() {
            if (changeMeters) {
                return;
            }
            changeMeters = true;
            gauge("redis.migrate.worker.lag.keys", "Scan method: changed keys captured but not yet copied again",
                    f -> f.pendingKeys);
        }

        private double lagSeconds() {
            if (changeLagSeconds != null) {
                return changeLagSeconds; // scan method: the age of the oldest change not yet copied again
            }
            if (lagBytes == 0 || caughtUpAt == null) {
                return 0;
            }
            // an ended stream no longer falls behind: its lag stays as last reported
            Instant until = ended ? lastEventAt : clock.instant();
            return Duration.between(caughtUpAt, until).toMillis() / 1000.0;
        }

        private void counter(String name, String description, ToDoubleFunction<Figures> value) {
            keep(FunctionCounter.builder(name, this, value).description(description).tags(tags).register(registry));
        }

        private void gauge(String name, String description, ToDoubleFunction<Figures> value) {
            keep(Gauge.builder(name, this, value).description(description).tags(tags).register(registry));
        }

        private <M extends Meter> M keep(M meter) {
            meters.add(meter);
            return meter;
        }

        synchronized boolean removeIfEndedBefore(Instant limit) {
            if (!ended || lastEventAt.isAfter(limit)) {
                return false;
            }
            meters.forEach(registry::remove);
            return true;
        }

        private static long orElse(Long value, long current) {
            return value == null ? current : value;
        }
    }
}

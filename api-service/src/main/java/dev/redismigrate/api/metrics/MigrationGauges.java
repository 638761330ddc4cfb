package dev.redismigrate.api.metrics;

import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.MigrationStatus;
import dev.redismigrate.api.migration.MigrationView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Gauges of the migrations as PostgreSQL holds them, refreshed on a schedule: how many there are
 * in each status, and for each active one its snapshot progress, commands applied and lag, tagged
 * {@code migration} and {@code database}; for a cluster source also each shard's ({@code
 * redis.migrate.shard.*}, tagged {@code shard} besides). Read from the database rather than from events, so every
 * api-service replica shows the same figures and a restart loses none. Ended migrations drop out:
 * their series stop instead of growing without bound.
 * <p>
 * A refresh only swaps the figures the gauges read; a gauge is registered once, when its figure is
 * first known, and removed when its migration ends, so a scrape never finds a series missing.
 */
@ApplicationScoped
public class MigrationGauges {
    /** The per-migration gauges: name, description, and the figure read from the migration's view. */
    private record Figure(String name, String description, Function<MigrationView, Number> value) {
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("redis.migrate.migration.keys.copied", "Keys of the snapshot copied so far",
                    v -> v.progress().keysCopied()),
            new Figure("redis.migrate.migration.source.keys", "Keys the snapshot has to copy",
                    v -> v.progress().keysTotal()),
            new Figure("redis.migrate.migration.bytes.copied", "Bytes of the snapshot copied so far",
                    v -> v.progress().bytesCopied()),
            new Figure("redis.migrate.migration.snapshot.percent", "How much of the snapshot is in (100 once complete)",
                    v -> v.progress().percent()),
            new Figure("redis.migrate.migration.commands.applied", "Source commands replayed on the target",
                    MigrationView::commandsApplied),
            new Figure("redis.migrate.migration.lag.bytes", "Source replication offset not yet applied to the target",
                    v -> v.lag() == null ? null : v.lag().bytes()),
            new Figure("redis.migrate.migration.capture.lag.bytes",
                    "Replication: source offset not yet captured into the change log (near 0 whatever the target does)",
                    v -> v.lag() == null ? null : v.lag().captureBytes()),
            new Figure("redis.migrate.migration.apply.lag.bytes",
                    "Replication: bytes captured into the change log and not yet applied to the target",
                    v -> v.lag() == null ? null : v.lag().applyBytes()),
            new Figure("redis.migrate.migration.apply.lag.seconds",
                    "Replication: age of the oldest command captured and not yet applied to the target",
                    v -> v.lag() == null ? null : v.lag().applySeconds()),
            new Figure("redis.migrate.migration.lag.keys", "Scan method: changed keys not yet copied again",
                    v -> v.lag() == null ? null : v.lag().keys()),
            new Figure("redis.migrate.migration.limit.keys.per.second", "limits.keys_per_second of the copy (0: unlimited)",
                    v -> v.limits().keysPerSecond()),
            new Figure("redis.migrate.migration.limit.commands.per.second",
                    "limits.commands_per_second of the stream's target writes (0: unlimited)", v -> v.limits().commandsPerSecond()));

    /** The per-shard gauges of a cluster source (tagged {@code shard} besides): the shard's own figures. */
    private record ShardFigure(String name, String description, Function<MigrationView.Shard, Number> value) {
    }

    private static final List<ShardFigure> SHARD_FIGURES = List.of(
            new ShardFigure("redis.migrate.shard.keys.copied", "Keys of the shard's snapshot copied so far",
                    s -> s.progress().keysCopied()),
            new ShardFigure("redis.migrate.shard.snapshot.percent", "How much of the shard's snapshot is in (100 once complete)",
                    s -> s.progress().percent()),
            new ShardFigure("redis.migrate.shard.commands.applied", "The shard's source commands replayed on the target",
                    MigrationView.Shard::commandsApplied),
            new ShardFigure("redis.migrate.shard.lag.bytes", "The shard master's replication offset not yet applied to the target",
                    s -> s.lag() == null ? null : s.lag().bytes()),
            new ShardFigure("redis.migrate.shard.capture.lag.bytes", "The shard master's offset not yet captured into its change log",
                    s -> s.lag() == null ? null : s.lag().captureBytes()),
            new ShardFigure("redis.migrate.shard.apply.lag.bytes", "Bytes of the shard's change log not yet applied to the target",
                    s -> s.lag() == null ? null : s.lag().applyBytes()),
            new ShardFigure("redis.migrate.shard.apply.lag.seconds", "Age of the shard's oldest command not yet applied",
                    s -> s.lag() == null ? null : s.lag().applySeconds()),
            new ShardFigure("redis.migrate.shard.lag.keys", "Scan method: the shard's changed keys not yet copied again",
                    s -> s.lag() == null ? null : s.lag().keys()));

    /** One shard's gauge of one figure. */
    private record ShardGauge(ShardFigure figure, int shard) {
    }

    private final MeterRegistry registry;
    private final Map<MigrationStatus, AtomicLong> byStatus = new EnumMap<>(MigrationStatus.class);
    /** only the scheduler thread touches it (no concurrent refresh) */
    private final Map<UUID, Active> active = new HashMap<>();

    /** An active migration's latest view and the gauges that read it. */
    private static final class Active {
        volatile MigrationView view;
        final Map<Figure, Meter> gauges = new HashMap<>();
        final Map<ShardGauge, Meter> shardGauges = new HashMap<>();

        /** The shard's figures in the latest view (null once it is no longer there). */
        MigrationView.Shard shard(int shard) {
            List<MigrationView.Shard> shards = view.shards();
            return shards == null ? null : shards.stream().filter(s -> s.shard() == shard).findFirst().orElse(null);
        }
    }

    MigrationGauges(MeterRegistry registry) {
        this.registry = registry;
        for (MigrationStatus status : MigrationStatus.values()) {
            AtomicLong count = new AtomicLong();
            byStatus.put(status, count);
            Gauge.builder("redis.migrate.migrations", count, AtomicLong::get)
                    .description("Migrations in PostgreSQL by status").tag("status", status.wire()).register(registry);
        }
    }

    @Scheduled(every = "${redis-migrate.metrics.refresh-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @Transactional
    void refresh() {
        byStatus.forEach((status, count) -> count.set(Migration.count("status", status)));
        Map<UUID, MigrationView> views = new HashMap<>();
        for (Migration m : Migration.<Migration>list("status in ?1", MigrationStatus.ACTIVE)) {
            views.put(m.id, MigrationView.of(m));
        }
        views.forEach((id, view) -> show(active.computeIfAbsent(id, unused -> new Active()), view));
        for (UUID ended : new ArrayList<>(active.keySet())) {
            if (!views.containsKey(ended)) {
                Active gone = active.remove(ended);
                gone.gauges.values().forEach(registry::remove);
                gone.shardGauges.values().forEach(registry::remove);
            }
        }
    }

    private void show(Active migration, MigrationView view) {
        migration.view = view;
        for (Figure figure : FIGURES) {
            // a figure not known yet (no total, no lag before the stream) gets its gauge once it is
            if (!migration.gauges.containsKey(figure) && figure.value().apply(view) != null) {
                migration.gauges.put(figure, Gauge.builder(figure.name(), migration, m -> value(figure, m))
                        .description(figure.description())
                        .tags(Tags.of("migration", view.id().toString(), "database", view.databaseId().toString()))
                        .register(registry));
            }
        }
        showShards(migration, view);
    }

    private void showShards(Active migration, MigrationView view) {
        if (view.shards() == null) {
            return;
        }
        for (MigrationView.Shard shard : view.shards()) {
            for (ShardFigure figure : SHARD_FIGURES) {
                ShardGauge key = new ShardGauge(figure, shard.shard());
                if (!migration.shardGauges.containsKey(key) && figure.value().apply(shard) != null) {
                    migration.shardGauges.put(key, Gauge.builder(figure.name(), migration, m -> value(key, m))
                            .description(figure.description())
                            .tags(Tags.of("migration", view.id().toString(), "database", view.databaseId().toString(),
                                    "shard", Integer.toString(shard.shard())))
                            .register(registry));
                }
            }
        }
    }

    private static double value(ShardGauge gauge, Active migration) {
        MigrationView.Shard shard = migration.shard(gauge.shard());
        Number value = shard == null ? null : gauge.figure().value().apply(shard);
        return value == null ? Double.NaN : value.doubleValue();
    }

    private static double value(Figure figure, Active migration) {
        Number value = figure.value().apply(migration.view);
        return value == null ? Double.NaN : value.doubleValue();
    }
}

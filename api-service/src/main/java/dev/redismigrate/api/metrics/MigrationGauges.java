package dev.redismigrate.api.metrics;

import dev.redismigrate.api.migration.Migration;
import dev.redismigrate.api.migration.MigrationStatus;
import dev.redismigrate.api.migration.MigrationView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Gauges of the migrations as PostgreSQL holds them, refreshed on a schedule: how many there are
 * in each status, and for each active one its snapshot progress, commands applied and lag, tagged
 * {@code migration} and {@code database}. Read from the database rather than from events, so every
 * api-service replica shows the same figures and a restart loses none. Ended migrations drop out:
 * their series stop instead of growing without bound.
 */
@ApplicationScoped
public class MigrationGauges {
    private final Map<MigrationStatus, AtomicLong> byStatus = new EnumMap<>(MigrationStatus.class);
    private final List<PerMigration> perMigration = new ArrayList<>();

    /** One gauge name, a row per active migration. */
    private record PerMigration(MultiGauge gauge, Function<MigrationView, Number> value) {
    }

    MigrationGauges(MeterRegistry registry) {
        for (MigrationStatus status : MigrationStatus.values()) {
            AtomicLong count = new AtomicLong();
            byStatus.put(status, count);
            Gauge.builder("redis.migrate.migrations", count, AtomicLong::get)
                    .description("Migrations in PostgreSQL by status").tag("status", status.wire()).register(registry);
        }
        perMigration(registry, "redis.migrate.migration.keys.copied", "Keys of the snapshot copied so far",
                v -> v.progress().keysCopied());
        perMigration(registry, "redis.migrate.migration.source.keys", "Keys the snapshot has to copy",
                v -> v.progress().keysTotal());
        perMigration(registry, "redis.migrate.migration.bytes.copied", "Bytes of the snapshot copied so far",
                v -> v.progress().bytesCopied());
        perMigration(registry, "redis.migrate.migration.snapshot.percent", "How much of the snapshot is in (100 once complete)",
                v -> v.progress().percent());
        perMigration(registry, "redis.migrate.migration.commands.applied", "Source commands replayed on the target",
                MigrationView::commandsApplied);
        perMigration(registry, "redis.migrate.migration.lag.bytes", "Source replication offset not yet applied to the target",
                v -> v.lag() == null ? null : v.lag().bytes());
    }

    private void perMigration(MeterRegistry registry, String name, String description,
            Function<MigrationView, Number> value) {
        perMigration.add(new PerMigration(MultiGauge.builder(name).description(description).register(registry), value));
    }

    @Scheduled(every = "${redis-migrate.metrics.refresh-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @Transactional
    void refresh() {
        byStatus.forEach((status, count) -> count.set(Migration.count("status", status)));
        List<MigrationView> active = Migration.<Migration>list("status in ?1", MigrationStatus.ACTIVE).stream()
                .map(MigrationView::of).toList();
        for (PerMigration gauge : perMigration) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (MigrationView view : active) {
                Number value = gauge.value().apply(view);
                if (value != null) { // not known yet (no total, no lag before the stream)
                    rows.add(MultiGauge.Row.of(Tags.of("migration", view.id().toString(),
                            "database", view.databaseId().toString()), value));
                }
            }
            // overwrite: rows of migrations that ended since the last refresh are removed
            gauge.gauge().register(rows, true);
        }
    }
}

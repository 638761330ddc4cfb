package dev.redismigrate.common.limits;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pacers of the migrations this process works on, by migration id: the copy's (keys) and the
 * stream's (target commands). A limit that arrives before the task starts is kept for it; a task
 * holds its pacer, so a new limit reaches a running task at once. Process-wide, so that the places
 * that produce or write entries need only the migration id.
 */
public final class MigrationPacers {
    private record Pair(Pacer keys, Pacer commands) {
    }

    private static final Map<UUID, Pair> PACERS = new ConcurrentHashMap<>();

    private MigrationPacers() {
    }

    public static Pacer keys(UUID migrationId) {
        return of(migrationId).keys();
    }

    public static Pacer commands(UUID migrationId) {
        return of(migrationId).commands();
    }

    public static void set(UUID migrationId, Limits limits) {
        Pair pair = of(migrationId);
        pair.keys().rate(limits.keysPerSecond());
        pair.commands().rate(limits.commandsPerSecond());
    }

    private static Pair of(UUID migrationId) {
        return PACERS.computeIfAbsent(migrationId, id -> new Pair(new Pacer(0), new Pacer(0)));
    }
}

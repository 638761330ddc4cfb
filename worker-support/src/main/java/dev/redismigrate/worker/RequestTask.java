package dev.redismigrate.worker;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisEndpoint;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * What a task of one requested migration attempt holds whatever its method: the attempt, its
 * source and target, where its events go, and the stop flag that its loops poll.
 */
public abstract class RequestTask implements MigrationTask {
    private final UUID migrationId;
    private final int attempt;
    private final Map<String, RedisEndpoint> endpoints;
    protected final Consumer<MigrationEvent> events;
    protected volatile boolean stopRequested;

    protected RequestTask(UUID migrationId, int attempt, RedisEndpoint source, RedisEndpoint target,
            Consumer<MigrationEvent> events) {
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.endpoints = Map.of("source", source, "target", target);
        this.events = events;
    }

    @Override
    public UUID migrationId() {
        return migrationId;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public void stop() {
        stopRequested = true;
    }

    @Override
    public Map<String, RedisEndpoint> endpoints() {
        return endpoints;
    }

    /** An event of this attempt, from this worker. */
    protected MigrationEvent event(EventType type) {
        return MigrationEvent.of(migrationId, attempt, type, WorkerIdentity.name());
    }
}

package dev.redismigrate.common.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.UUID;

/**
 * What api-service asks of the workers. Each kind knows the topic it travels on and its record key,
 * so that the sender needs no routing of its own.
 */
public sealed interface WorkerCommand permits SnapshotRequest, StreamRequest, StopRequest, LimitsRequest, VerifyRequest {

    /** The migration it is about. */
    UUID migrationId();

    /** One of {@link Topics}' names (without the deployment's topic prefix). */
    @JsonIgnore
    String topic();

    /** The record key: the migration's id, so that a migration's commands stay in order on one partition. */
    @JsonIgnore
    default String key() {
        return migrationId().toString();
    }
}

package dev.redismigrate.worker.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * Where the worker's own Kafka clients (the checkpoint and changed-key logs, outside the channels)
 * connect: the same Kafka as its channels.
 */
@ConfigMapping(prefix = "kafka")
public interface KafkaConfig {
    @WithName("bootstrap.servers")
    String bootstrapServers();
}

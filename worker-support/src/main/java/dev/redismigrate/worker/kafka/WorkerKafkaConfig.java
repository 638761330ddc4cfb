package dev.redismigrate.worker.kafka;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * redis-migrate.worker-kafka.*: where the worker's own Kafka clients (the checkpoint and changed-key
 * logs, outside the channels) connect. Both settings follow the channels' own (kafka.bootstrap.servers,
 * redis-migrate.topic-prefix; see this module's META-INF/microprofile-config.properties): a mapping of
 * those roots would have to claim every kafka.* and redis-migrate.* key.
 */
@ConfigMapping(prefix = "redis-migrate.worker-kafka")
public interface WorkerKafkaConfig {
    String bootstrapServers();

    /** put before every topic name, so that several installations can share a Kafka; none by default */
    Optional<String> topicPrefix();

    /** The full name of the topic {@code name}. */
    default String topic(String name) {
        return topicPrefix().orElse("") + name;
    }
}

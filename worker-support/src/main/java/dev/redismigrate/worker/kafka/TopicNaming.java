package dev.redismigrate.worker.kafka;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/** redis-migrate.topic-prefix: put before every topic name, so that several installations can share a Kafka. */
@ConfigMapping(prefix = "redis-migrate")
public interface TopicNaming {
    /** none by default (an empty value counts as none in MicroProfile Config: hence Optional) */
    Optional<String> topicPrefix();

    /** The full name of the topic {@code name}. */
    default String topic(String name) {
        return topicPrefix().orElse("") + name;
    }
}

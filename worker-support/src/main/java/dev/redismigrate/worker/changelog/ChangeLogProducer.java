package dev.redismigrate.worker.changelog;

import dev.redismigrate.worker.kafka.WorkerKafkaConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The worker's {@link ChangeLog}, on the same Kafka and topic prefix as its channels. */
@ApplicationScoped
public class ChangeLogProducer {

    @Produces
    @Singleton
    ChangeLog changeLog(WorkerKafkaConfig kafka, ChangeLogConfig config) {
        return new ChangeLog(kafka.bootstrapServers(), kafka.topicPrefix().orElse(""), new ChangeLogSettings(
                (int) config.recordBytes().asLongValue(), (int) config.linger().toMillis(),
                config.bufferBytes().asLongValue(), config.fetchBytes().asLongValue()));
    }
}

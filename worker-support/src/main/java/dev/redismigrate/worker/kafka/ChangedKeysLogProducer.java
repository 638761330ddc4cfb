package dev.redismigrate.worker.kafka;

import dev.redismigrate.common.contract.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The worker's {@link ChangedKeysLog}, on the same Kafka and topic prefix as its channels. */
@ApplicationScoped
public class ChangedKeysLogProducer {

    @Produces
    @Singleton
    ChangedKeysLog changedKeysLog(WorkerKafkaConfig kafka) {
        return new ChangedKeysLog(kafka.bootstrapServers(), kafka.topic(Topics.CHANGED_KEYS));
    }

    void close(@Disposes ChangedKeysLog log) {
        log.close();
    }
}

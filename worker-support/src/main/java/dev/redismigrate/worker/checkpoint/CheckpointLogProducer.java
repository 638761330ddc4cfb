package dev.redismigrate.worker.checkpoint;

import dev.redismigrate.common.contract.Topics;
import dev.redismigrate.worker.kafka.WorkerKafkaConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The worker's {@link CheckpointLog}, on the same Kafka and topic prefix as its channels. */
@ApplicationScoped
public class CheckpointLogProducer {

    @Produces
    @Singleton
    CheckpointLog checkpointLog(WorkerKafkaConfig kafka) {
        return new CheckpointLog(kafka.bootstrapServers(), kafka.topic(Topics.STREAM_CHECKPOINTS));
    }

    void close(@Disposes CheckpointLog log) {
        log.close();
    }
}

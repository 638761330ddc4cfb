package dev.redismigrate.worker.checkpoint;

import dev.redismigrate.common.contract.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The worker's {@link CheckpointLog}, on the same Kafka and topic prefix as its channels. */
@ApplicationScoped
public class CheckpointLogProducer {

    @Produces
    @Singleton
    CheckpointLog checkpointLog(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            // an empty default counts as none in MicroProfile Config: hence Optional
            @ConfigProperty(name = "redis-migrate.topic-prefix") Optional<String> prefix) {
        return new CheckpointLog(bootstrap, prefix.orElse("") + Topics.STREAM_CHECKPOINTS);
    }

    void close(@Disposes CheckpointLog log) {
        log.close();
    }
}

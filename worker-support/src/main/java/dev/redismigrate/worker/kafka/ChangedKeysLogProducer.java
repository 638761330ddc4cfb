package dev.redismigrate.worker.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The worker's {@link ChangedKeysLog}, on the same Kafka and topic prefix as its channels. */
@ApplicationScoped
public class ChangedKeysLogProducer {

    @Produces
    @Singleton
    ChangedKeysLog changedKeysLog(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "redis-migrate.topic-prefix") Optional<String> prefix) {
        return new ChangedKeysLog(bootstrap, prefix.orElse("") + dev.redismigrate.common.contract.Topics.CHANGED_KEYS);
    }

    void close(@Disposes ChangedKeysLog log) {
        log.close();
    }
}

package dev.redismigrate.worker.changelog;

import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The worker's {@link ChangeLog}, on the same Kafka and topic prefix as its channels. */
@ApplicationScoped
public class ChangeLogProducer {

    @Produces
    @Singleton
    ChangeLog changeLog(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "redis-migrate.topic-prefix") Optional<String> prefix,
            @ConfigProperty(name = "redis-migrate.change-log.record-bytes", defaultValue = "256K") MemorySize recordBytes,
            @ConfigProperty(name = "redis-migrate.change-log.linger", defaultValue = "2ms") Duration linger,
            @ConfigProperty(name = "redis-migrate.change-log.buffer-bytes", defaultValue = "64M") MemorySize bufferBytes,
            @ConfigProperty(name = "redis-migrate.change-log.fetch-bytes", defaultValue = "16M") MemorySize fetchBytes) {
        return new ChangeLog(bootstrap, prefix.orElse(""), new ChangeLogSettings((int) recordBytes.asLongValue(),
                (int) linger.toMillis(), bufferBytes.asLongValue(), fetchBytes.asLongValue()));
    }
}

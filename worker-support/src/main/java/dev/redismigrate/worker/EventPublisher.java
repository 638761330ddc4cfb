package dev.redismigrate.worker;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.worker.metrics.MigrationMeters;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Sends status events to api-service, keyed by migration id so that one migration's events stay in
 * order, and shows their figures as this worker's meters.
 */
@ApplicationScoped
public class EventPublisher {
    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    @Inject
    @Channel("events")
    Emitter<String> events;

    @Inject
    MigrationMeters meters;

    /** Sends without waiting; a failure is logged (progress events are totals: the next one repairs it). */
    public void publish(MigrationEvent event) {
        meters.record(event);
        Message<String> message = Message.of(MessageCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.migrationId().toString()).build())
                .withNack(failure -> {
                    LOG.errorf("migration %s: event %s not sent: %s", event.migrationId(), event.type(), failure.getMessage());
                    return CompletableFuture.completedFuture(null);
                });
        events.send(message);
    }
}

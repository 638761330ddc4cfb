package dev.redismigrate.worker;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Sends status events to api-service, keyed by migration id. */
@ApplicationScoped
public class EventPublisher {
    private static final Logger LOG = Logger.getLogger(EventPublisher.class);

    @Inject
    @Channel("events")
    Emitter<String> events;

    public void publish(MigrationEvent event) {
        Message<String> message = Message.of(MessageCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.migrationId().toString()).build())
                .withNack(failure -> {
                    LOG.errorf("migration %s: event %s not sent: %s", event.migrationId(), event.type(), failure.getMessage());
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                });
        events.send(message);
    }
}

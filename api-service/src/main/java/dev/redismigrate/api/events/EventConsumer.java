package dev.redismigrate.api.events;

import dev.redismigrate.api.migration.MigrationService;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Follows the workers' reports. A record that cannot be used is logged and skipped, never retried. */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private final MigrationService migrations;

    EventConsumer(MigrationService migrations) {
        this.migrations = migrations;
    }

    @Incoming("events")
    @Blocking // ordered: the events of a partition are applied one after the other
    public void consume(ConsumerRecord<String, String> record) {
        MigrationEvent event;
        try {
            event = MessageCodec.decode(record.value(), MigrationEvent.class);
        } catch (MessageCodec.UnreadableMessageException e) {
            // the decoder's message may quote the record, which is not ours to log
            LOG.warnf("skipped an unreadable event at %s-%d offset %d", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        if (event.migrationId() == null || event.type() == null) {
            LOG.warnf("skipped an event without migration_id or type at %s-%d offset %d", record.topic(),
                    record.partition(), record.offset());
            return;
        }
        try {
            migrations.apply(event);
        } catch (RuntimeException e) {
            // progress events are totals and milestones are rare: skipping beats blocking the partition
            LOG.errorf(e, "%s event of migration %s not applied", event.type(), event.migrationId());
        }
    }
}

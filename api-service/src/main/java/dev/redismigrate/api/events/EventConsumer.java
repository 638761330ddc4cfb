package dev.redismigrate.api.events;

import dev.redismigrate.api.error.DatabaseOutage;
import dev.redismigrate.api.migration.MigrationService;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.MigrationEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows the workers' reports. While PostgreSQL is unreachable the partition waits (a report
 * must not be lost to an outage); a record that cannot be used otherwise (three tries) is logged
 * and parked on the dead-letter topic.
 */
@ApplicationScoped
public class EventConsumer {
    private static final Logger LOG = Logger.getLogger(EventConsumer.class);

    private static final long MAX_BACKOFF_MILLIS = 5000;
    /** tries of an event that fails for another reason than an outage before it is parked */
    private static final int ATTEMPTS = 3;

    private final MigrationService migrations;
    private final EventFeed feed;

    EventConsumer(MigrationService migrations, EventFeed feed) {
        this.migrations = migrations;
        this.feed = feed;
    }

    @Incoming("events")
    @Blocking // ordered: the events of a partition are applied one after the other
    public void consume(ConsumerRecord<String, String> record) {
        MigrationEvent event = MessageCodec.decode(record.value(), MigrationEvent.class);
        if (event.migrationId() == null || event.type() == null) {
            throw new MessageCodec.UnreadableMessageException("MigrationEvent without migration_id or type");
        }
        long backoff = 250;
        int otherFailures = 0;
        while (true) {
            try {
                migrations.apply(event);
                return;
            } catch (RuntimeException e) {
                if (DatabaseOutage.causedBy(e)) {
                    feed.outage();
                    LOG.warnf("%s event of migration %s waits: the job database is unreachable", event.type(), event.migrationId());
                } else if (++otherFailures < ATTEMPTS) {
                    // Tried again: the transaction was rolled back, so applying it again is applying it once. A
                    // commit cut by PostgreSQL's restart is not always told apart from a bug by its exception; the
                    // next attempt meets the outage itself (and waits) or succeeds.
                    LOG.warnf("%s event of migration %s not applied (%s): trying again", event.type(), event.migrationId(), e.toString());
                } else {
                    // parked on the dead-letter topic: blocking the partition would stop every migration
                    LOG.errorf(e, "%s event of migration %s not applied", event.type(), event.migrationId());
                    throw e;
                }
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // shutting down: the record was not committed and comes again
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
        }
    }
}

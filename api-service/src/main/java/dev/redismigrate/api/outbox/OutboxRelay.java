package dev.redismigrate.api.outbox;

import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.api.ApiConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes the outbox to Kafka, oldest first, deleting each record once Kafka acknowledged it
 * (acks=all). Woken right after a commit that added records, and periodically to retry what
 * could not be sent (Kafka down, or a crash between commit and send). Delivery is at least once.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private static final int BATCH = 100;
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(15);

    /** the outgoing channel of every command: each record names its own topic */
    static final String CHANNEL = "worker-commands";

    private final MutinyEmitter<String> commands;
    private final String topicPrefix;
    private final EntityManager em;
    // one thread: sends stay in outbox order, and only one drain runs at a time
    private final ExecutorService worker = Executors.newSingleThreadExecutor(MigrationThreads.factory("outbox-relay"));
    private final AtomicBoolean queued = new AtomicBoolean();

    OutboxRelay(EntityManager em, @Channel(CHANNEL) MutinyEmitter<String> commands, ApiConfig config) {
        this.em = em;
        this.commands = commands;
        this.topicPrefix = config.topicPrefix().orElse("");
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) Outbox.Added added) {
        wake();
    }

    @Scheduled(every = "${redis-migrate.outbox.retry-every}", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void wake() {
        if (queued.compareAndSet(false, true)) {
            worker.execute(this::drain);
        }
    }

    private void drain() {
        queued.set(false);
        try {
            while (QuarkusTransaction.requiringNew().call(this::sendBatch)) {
                // a full batch was sent: there may be more
            }
        } catch (RuntimeException e) {
            LOG.warnf("outbox: cannot read or update the outbox (%s); will retry", e.getMessage());
        }
    }

    /** @return whether to go on: a full batch was sent */
    private boolean sendBatch() {
        // SKIP LOCKED: several api-service instances can relay side by side
        @SuppressWarnings("unchecked")
        List<OutboxRecord> batch = em.createNativeQuery(
                "select * from outbox order by id limit " + BATCH + " for update skip locked", OutboxRecord.class)
                .getResultList();
        for (OutboxRecord r : batch) {
            try {
                commands.sendMessage(Message.of(r.payload).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                                .withTopic(topicPrefix + r.topic).withKey(r.messageKey).build()))
                        .await().atMost(SEND_TIMEOUT);
            } catch (RuntimeException e) {
                // keep it and what follows, in order; the records sent so far are deleted on commit
                LOG.warnf("outbox: cannot publish to %s yet (%s); will retry", r.topic, e.getMessage());
                return false;
            }
            em.remove(r);
        }
        return batch.size() == BATCH;
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}

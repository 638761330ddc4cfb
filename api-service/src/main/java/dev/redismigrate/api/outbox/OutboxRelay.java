package dev.redismigrate.api.outbox;

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
import java.util.Map;
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

    private final Map<String, MutinyEmitter<String>> channels;
    private final EntityManager em;
    // one thread: sends stay in outbox order, and only one drain runs at a time
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "outbox-relay"));
    private final AtomicBoolean queued = new AtomicBoolean();

    OutboxRelay(EntityManager em,
            @Channel(Outbox.SNAPSHOT_REQUESTS) MutinyEmitter<String> snapshotRequests,
            @Channel(Outbox.STREAM_REQUESTS) MutinyEmitter<String> streamRequests,
            @Channel(Outbox.CONTROL) MutinyEmitter<String> control,
            @Channel(Outbox.VERIFY_REQUESTS) MutinyEmitter<String> verifyRequests) {
        this.em = em;
        this.channels = Map.of(Outbox.SNAPSHOT_REQUESTS, snapshotRequests, Outbox.STREAM_REQUESTS, streamRequests,
                Outbox.CONTROL, control, Outbox.VERIFY_REQUESTS, verifyRequests);
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) Outbox.Added added) {
        wake();
    }

    @Scheduled(every = "${redis-migrate.outbox.retry-every:5s}", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
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
                channels.get(r.channel).sendMessage(Message.of(r.payload)
                                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.messageKey).build()))
                        .await().atMost(SEND_TIMEOUT);
            } catch (RuntimeException e) {
                // keep it and what follows, in order; the records sent so far are deleted on commit
                LOG.warnf("outbox: cannot publish to %s yet (%s); will retry", r.channel, e.getMessage());
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

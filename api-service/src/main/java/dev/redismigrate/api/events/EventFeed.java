package dev.redismigrate.api.events;

import dev.redismigrate.api.Ids;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

/**
 * Whether the workers' reports can reach this service. A worker's silence means it died only while
 * they can: during a Kafka or PostgreSQL outage every worker looks silent, and handing their
 * migrations to new attempts would restart healthy copies for nothing.
 */
@ApplicationScoped
public class EventFeed {
    private static final Logger LOG = Logger.getLogger(EventFeed.class);

    private final String bootstrapServers;
    private final AtomicReference<Instant> lastOutage = new AtomicReference<>(Instant.EPOCH);
    private Admin admin;

    /** @param kafka the kafka.* configuration, as Quarkus hands it to the messaging connector */
    EventFeed(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
        this.bootstrapServers = String.valueOf(kafka.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    /** Reports could not be received or applied just now. */
    void outage() {
        lastOutage.set(Ids.now());
    }

    /** @return whether reports could reach us for the whole of the last {@code window} (asks Kafka now) */
    public boolean reliableFor(Duration window) {
        if (!kafkaAnswers()) {
            outage();
            return false;
        }
        return lastOutage.get().isBefore(Ids.now().minus(window));
    }

    private synchronized boolean kafkaAnswers() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000));
        }
        try {
            admin.describeCluster().nodes().get(4, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            LOG.warnf("Kafka does not answer at %s: silent workers are not handed over meanwhile", bootstrapServers);
            return false;
        }
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}

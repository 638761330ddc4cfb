package dev.redismigrate.verification;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.VerifyRequest;
import dev.redismigrate.common.redis.RedisConnector;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Takes verification requests off Kafka (the group "verifier": each goes to one instance) and runs them. */
@ApplicationScoped
public class VerifyRequestListener {
    private static final Logger LOG = Logger.getLogger(VerifyRequestListener.class);

    @Inject
    VerifyRunner runner;
    @Inject
    RedisConnector connector;
    @Inject
    VerifyReportPublisher reports;
    @Inject
    VerifyConfig config;

    @Incoming("verify-requests")
    public void onRequest(ConsumerRecord<String, String> record) {
        VerifyRequest request = MessageCodec.decode(record.value(), VerifyRequest.class);
        if (request.verificationId() == null || request.migrationId() == null || request.source() == null
                || request.target() == null) {
            throw new MessageCodec.UnreadableMessageException("VerifyRequest without verification_id, migration_id, source or target");
        }
        Duration age = Duration.between(Instant.ofEpochMilli(record.timestamp()), Instant.now());
        if (record.timestamp() > 0 && age.compareTo(config.requestExpiry()) > 0) {
            LOG.warnf("verification %s requested %d s ago: skipped", request.verificationId(), age.toSeconds());
            return;
        }
        runner.start(new Verifier(request, connector, reports::publish, config));
    }
}

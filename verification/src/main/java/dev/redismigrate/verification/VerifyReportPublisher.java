package dev.redismigrate.verification;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.VerifyReport;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** Sends verification reports to api-service, keyed by migration id (in order per migration). */
@ApplicationScoped
public class VerifyReportPublisher {
    private static final Logger LOG = Logger.getLogger(VerifyReportPublisher.class);

    @Inject
    @Channel("verify-reports")
    Emitter<String> reports;

    /** Without waiting; reports are totals, so a lost progress report is repaired by the next one. */
    public void publish(VerifyReport report) {
        Message<String> message = Message.of(MessageCodec.encode(report))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(report.migrationId().toString()).build())
                .withNack(failure -> {
                    LOG.errorf("verification %s: %s report not sent: %s", report.verificationId(), report.state(),
                            failure.getMessage());
                    return CompletableFuture.completedFuture(null);
                });
        try {
            reports.send(message);
        } catch (RuntimeException e) { // e.g. the emitter's buffer is full while Kafka is away
            LOG.errorf("verification %s: %s report not sent: %s", report.verificationId(), report.state(), e.getMessage());
        }
    }
}

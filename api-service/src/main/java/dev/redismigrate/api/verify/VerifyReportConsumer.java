package dev.redismigrate.api.verify;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.VerifyReport;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Follows the verifiers' reports. A record that cannot be read is parked on the dead-letter topic. */
@ApplicationScoped
public class VerifyReportConsumer {
    private static final Logger LOG = Logger.getLogger(VerifyReportConsumer.class);

    private final VerificationService verifications;

    VerifyReportConsumer(VerificationService verifications) {
        this.verifications = verifications;
    }

    @Incoming("verify-reports")
    @Blocking // ordered: the reports of a partition are applied one after the other
    public void consume(ConsumerRecord<String, String> record) {
        VerifyReport report = MessageCodec.decode(record.value(), VerifyReport.class);
        if (report.verificationId() == null || report.state() == null) {
            throw new MessageCodec.UnreadableMessageException("VerifyReport without verification_id or state");
        }
        try {
            verifications.apply(report);
        } catch (RuntimeException e) {
            // reports are totals: the next one repairs a skipped one
            LOG.errorf(e, "report of verification %s not applied", report.verificationId());
        }
    }
}

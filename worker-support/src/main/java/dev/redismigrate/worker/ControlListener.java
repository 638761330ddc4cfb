package dev.redismigrate.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.redismigrate.common.contract.LimitsRequest;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.StopRequest;
import dev.redismigrate.common.limits.MigrationPacers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Every instance hears every control command: a stop stops the task it runs for that migration, if
 * any; limits go to the migration's pacers (running tasks slow down or speed up within a second).
 */
@ApplicationScoped
public class ControlListener {
    private static final Logger LOG = Logger.getLogger(ControlListener.class);

    @Inject
    TaskRunner tasks;

    @Incoming("control")
    public void onControl(String record) {
        // a limits command is told by its limits field: a stop has none (and must never be mistaken for one)
        if (MessageCodec.decode(record, JsonNode.class).has("limits")) {
            LimitsRequest request = MessageCodec.decode(record, LimitsRequest.class);
            if (request.migrationId() == null || request.limits() == null) {
                throw new MessageCodec.UnreadableMessageException("LimitsRequest: migration_id and limits are required");
            }
            MigrationPacers.set(request.migrationId(), request.limits());
            LOG.infof("migration %s: limits %s", request.migrationId(), request.limits());
            return;
        }
        StopRequest request = MessageCodec.decode(record, StopRequest.class);
        if (tasks.stop(request)) {
            LOG.infof("migration %s: stop requested (%s)", request.migrationId(), request.reason());
        }
    }
}

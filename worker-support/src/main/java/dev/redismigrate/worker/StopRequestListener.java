package dev.redismigrate.worker;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.StopRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Every instance hears every stop request and stops the task it runs for that migration, if any. */
@ApplicationScoped
public class StopRequestListener {
    private static final Logger LOG = Logger.getLogger(StopRequestListener.class);

    @Inject
    TaskRunner tasks;

    @Incoming("control")
    public void onStop(String record) {
        StopRequest request = MessageCodec.decode(record, StopRequest.class);
        if (tasks.stop(request)) {
            LOG.infof("migration %s: stop requested (%s)", request.migrationId(), request.reason());
        }
    }
}

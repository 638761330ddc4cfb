package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.worker.EventPublisher;
import dev.redismigrate.worker.TaskRunner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Takes stream requests off Kafka and starts a replay for each. */
@ApplicationScoped
public class StreamRequestListener {
    private static final Logger LOG = Logger.getLogger(StreamRequestListener.class);

    @Inject
    TaskRunner tasks;
    @Inject
    RedisConnector connector;
    @Inject
    EventPublisher events;
    @Inject
    StreamConfig config;
    @Inject
    CheckpointLog checkpointLog;

    @Incoming("stream-requests")
    public void onRequest(String record) {
        StreamRequest request = MessageCodec.decode(record, StreamRequest.class);
        LOG.infof("migration %s: stream requested from %s at %s", request.migrationId(), request.source(), request.from());
        tasks.start(new StreamReplayer(request, connector, events::publish, checkpointLog, config));
    }
}

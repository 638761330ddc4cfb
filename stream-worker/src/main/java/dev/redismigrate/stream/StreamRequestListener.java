package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.worker.EventPublisher;
import dev.redismigrate.stream.scan.ChangeCopyConfig;
import dev.redismigrate.stream.scan.ChangedKeyReplayer;
import dev.redismigrate.worker.ShardTask;
import dev.redismigrate.worker.TaskRunner;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import jakarta.enterprise.context.ApplicationScoped;
import dev.redismigrate.worker.changelog.ChangeLog;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Takes stream requests off Kafka and starts a replay for each, by the method the request names. */
@ApplicationScoped
public class StreamRequestListener {
    private static final Logger LOG = Logger.getLogger(StreamRequestListener.class);

    @Inject
    TaskRunner tasks;
    @Inject
    ChangeLog changeLog;
    @Inject
    RedisConnector connector;
    @Inject
    EventPublisher events;
    @Inject
    StreamConfig config;
    @Inject
    CheckpointLog checkpointLog;
    @Inject
    ChangedKeysLog changedKeys;
    @Inject
    ChangeCopyConfig changeCopyConfig;

    @Incoming("stream-requests")
    public void onRequest(String record) {
        StreamRequest request = MessageCodec.decode(record, StreamRequest.class);
        if (request.byScan()) {
            LOG.infof("migration %s: change capture (scan method) requested from %s", request.migrationId(), request.source());
            tasks.start(new ChangedKeyReplayer(request, connector, events::publish, changedKeys, config, changeCopyConfig));
        } else {
            LOG.infof("migration %s: stream%s requested from %s at %s", request.migrationId(),
                    request.shard() == null ? "" : " of shard " + request.shard(), request.source(), request.from());
            // a cluster source's shard: its own change log and checkpoint, and its shard on every event
            tasks.start(ShardTask.of(request.shard(), new StreamReplayer(request, connector,
                    event -> events.publish(event.withShard(request.shard())), checkpointLog,
                    changeLog.forShard(request.shard()), config)));
        }
    }
}

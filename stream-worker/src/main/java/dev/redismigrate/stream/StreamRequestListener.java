package dev.redismigrate.stream;

import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.checkpoint.StreamCheckpoint;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.worker.EventPublisher;
import dev.redismigrate.worker.MasterFailoverEvents;
import dev.redismigrate.worker.SourceFailoverConfig;
import dev.redismigrate.worker.MigrationTask;
import dev.redismigrate.worker.SlotWatchedTask;
import dev.redismigrate.stream.scan.ChangeCopyConfig;
import dev.redismigrate.stream.scan.ChangedKeyReplayer;
import dev.redismigrate.worker.ShardTask;
import dev.redismigrate.worker.TaskRunner;
import dev.redismigrate.worker.kafka.RequestClaims;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import jakarta.enterprise.context.ApplicationScoped;
import dev.redismigrate.worker.changelog.ChangeLog;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Takes stream requests off Kafka and starts a replay for each, by the method the request names. */
@ApplicationScoped
public class StreamRequestListener {
    private static final Logger LOG = Logger.getLogger(StreamRequestListener.class);

    @Inject
    TaskRunner tasks;
    @Inject
    RequestClaims claims;
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
    @Inject
    SourceFailoverConfig failover;

    /** Committed before its task starts ({@link RequestClaims}): another instance never runs it too. */
    @Incoming("stream-requests")
    public CompletionStage<Void> onRequest(ConsumerRecord<String, String> record) {
        return claims.claim("stream-requests", record, this::start);
    }

    private void start(String record) {
        StreamRequest request = MessageCodec.decode(record, StreamRequest.class);
        Consumer<MigrationEvent> shardEvents = event -> events.publish(event.withShard(request.shard()));
        if (request.byScan()) {
            // a shard's master that fails over: its notifications since are lost, so that shard is captured and scanned
            // again from the promoted replica (the replication stream follows a failover by offset itself: StreamSource)
            // (its master gone while the capture was handed over: the request's cluster_nodes name the promoted replica)
            shardEvents = MasterFailoverEvents.ofMaster(request.shard(), connector, request.source(), request.slots(),
                    failover.waitFor(), shardEvents, request.clusterNodes() == null ? List.of() : request.clusterNodes());
            LOG.infof("migration %s: change capture (scan method)%s requested from %s", request.migrationId(),
                    request.shard() == null ? "" : " of shard " + request.shard(), request.source());
            // a cluster source's shard: its master's notifications, its own changed-keys records, its shard on every event
            tasks.start(watched(request, new ChangedKeyReplayer(request, connector, shardEvents,
                    changedKeys.forShard(request.shard()), config, changeCopyConfig).waitingOutClusterDown(failover.waitFor()),
                    shardEvents));
        } else {
            LOG.infof("migration %s: stream%s requested from %s at %s", request.migrationId(),
                    request.shard() == null ? "" : " of shard " + request.shard(), request.source(), request.from());
            Consumer<MigrationEvent> reported = shardEvents;
            // a cluster source's shard: its own change log and checkpoint, and its shard on every event; its master found
            // again first where the request's is gone (a failover during a hand-over)
            Function<StreamRequest, MigrationTask> stream = at -> watched(at, new StreamReplayer(at, connector, reported, checkpointLog,
                    changeLog.forShard(at.shard()), config), reported);
            tasks.start(LocatedShardStream.applies(request)
                    ? ShardTask.of(request.shard(), new LocatedShardStream(request, connector, failover.waitFor(), stream))
                    : stream.apply(request));
        }
    }

    /** A cluster source's shard: its task, told apart by its shard, ended when the shard's slots move (SlotWatchedTask). */
    private MigrationTask watched(StreamRequest request, MigrationTask task, Consumer<MigrationEvent> shardEvents) {
        return ShardTask.of(request.shard(),
                SlotWatchedTask.of(request.shard(), request.slots(), task, connector, request.source(), shardEvents));
    }
}

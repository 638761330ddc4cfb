package dev.redismigrate.stream;

import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.cluster.ShardMaster;
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
import java.util.function.Consumer;
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
            shardEvents = MasterFailoverEvents.of(request.shard(), connector, request.source(), null, failover.waitFor(), shardEvents);
            LOG.infof("migration %s: change capture (scan method)%s requested from %s", request.migrationId(),
                    request.shard() == null ? "" : " of shard " + request.shard(), request.source());
            // a cluster source's shard: its master's notifications, its own changed-keys records, its shard on every event
            tasks.start(watched(request, new ChangedKeyReplayer(request, connector, shardEvents,
                    changedKeys.forShard(request.shard()), config, changeCopyConfig).waitingOutClusterDown(failover.waitFor()),
                    shardEvents));
        } else {
            StreamRequest located = atShardsMaster(request);
            LOG.infof("migration %s: stream%s requested from %s at %s", located.migrationId(),
                    located.shard() == null ? "" : " of shard " + located.shard(), located.source(), located.from());
            // a cluster source's shard: its own change log and checkpoint, and its shard on every event
            tasks.start(watched(located, new StreamReplayer(located, connector, shardEvents, checkpointLog,
                    changeLog.forShard(located.shard()), config), shardEvents));
        }
    }

    /**
     * A cluster source shard's stream starts at the master its request names, unless that node is gone or
     * demoted: a failover while the stream was handed over (its previous worker died) would otherwise end
     * the migration in {@code error}. The promoted replica keeps the old master's history ({@code replid2}),
     * so the stream continues there by offset, as after a failover it follows itself. While the named master
     * does not answer and the cluster names no other yet, asked again for up to the source-failover wait.
     */
    private StreamRequest atShardsMaster(StreamRequest request) {
        if (request.shard() == null || request.slots() == null || request.clusterNodes() == null
                || request.clusterNodes().isEmpty()) {
            return request;
        }
        int slot = SlotRange.parse(request.slots()).nextSetBit(0);
        if (slot < 0) {
            return request;
        }
        // a master just killed is replaced once the cluster has promoted its replica: asked again until then
        long deadline = System.nanoTime() + failover.waitFor().toNanos();
        RedisEndpoint master = ShardMaster.current(connector, request.source(), request.clusterNodes(), slot);
        while (master == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            master = ShardMaster.current(connector, request.source(), request.clusterNodes(), slot);
        }
        // none: the stream opens the master named, and its failure to is reported as before
        return master == null || master.address().equals(request.source().address()) ? request : request.withSource(master);
    }

    /** A cluster source's shard: its task, told apart by its shard, ended when the shard's slots move (SlotWatchedTask). */
    private MigrationTask watched(StreamRequest request, MigrationTask task, Consumer<MigrationEvent> shardEvents) {
        return ShardTask.of(request.shard(),
                SlotWatchedTask.of(request.shard(), request.slots(), task, connector, request.source(), shardEvents));
    }
}

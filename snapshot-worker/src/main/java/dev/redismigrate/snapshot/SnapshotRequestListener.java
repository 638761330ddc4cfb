package dev.redismigrate.snapshot;

import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.snapshot.scan.ScanConfig;
import dev.redismigrate.snapshot.scan.ScanCopier;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.worker.EventPublisher;
import dev.redismigrate.worker.MasterFailoverEvents;
import dev.redismigrate.worker.MigrationTask;
import dev.redismigrate.worker.SlotWatchedTask;
import dev.redismigrate.worker.ShardTask;
import dev.redismigrate.worker.SourceFailoverConfig;
import dev.redismigrate.worker.TaskRunner;
import dev.redismigrate.worker.kafka.RequestClaims;
import dev.redismigrate.worker.changelog.ChangeLog;
import dev.redismigrate.worker.checkpoint.CheckpointLog;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Takes snapshot requests off Kafka and starts a copy for each, by the method the request names. */
@ApplicationScoped
public class SnapshotRequestListener {
    private static final Logger LOG = Logger.getLogger(SnapshotRequestListener.class);

    @Inject
    TaskRunner tasks;
    @Inject
    RequestClaims claims;
    @Inject
    RedisConnector connector;
    @Inject
    EventPublisher events;
    @Inject
    SnapshotConfig config;
    @Inject
    CheckpointLog checkpoints;
    @Inject
    ChangeLog changeLog;
    @Inject
    ChangedKeysLog changedKeys;
    @Inject
    ScanConfig scanConfig;
    @Inject
    SourceFailoverConfig failover;

    /** Committed before its task starts ({@link RequestClaims}): another instance never runs it too. */
    @Incoming("snapshot-requests")
    public CompletionStage<Void> onRequest(ConsumerRecord<String, String> record) {
        return claims.claim("snapshot-requests", record, this::start);
    }

    private void start(String record) {
        SnapshotRequest request = MessageCodec.decode(record, SnapshotRequest.class);
        LOG.infof("migration %s: snapshot%s requested from %s into %s (%s)", request.migrationId(),
                request.shard() == null ? "" : " of shard " + request.shard(), request.source(),
                request.target(), !request.byScan() ? "replication"
                        : request.partCount() > 1 ? "scan part " + request.partIndex() + " of " + request.partCount() : "scan");
        // a cluster source's shard: its own change log (or changed-keys records), and its shard on every event
        Consumer<MigrationEvent> shardEvents = event -> events.publish(event.withShard(request.shard()));
        // a shard's master that fails over mid-copy: that shard is copied again from the promoted replica; a replica
        // read that is lost: from the shard's master
        shardEvents = MasterFailoverEvents.of(request.shard(), connector, request.source(), request.slots(), failover.waitFor(),
                shardEvents);
        MigrationTask copy = request.byScan()
                ? new ScanCopier(request, connector, shardEvents, changedKeys.forShard(request.shard()), config, scanConfig)
                        .waitingOutClusterDown(failover.waitFor())
                : new SnapshotCopier(request, connector, shardEvents, checkpoints, changeLog.forShard(request.shard()), config);
        // a shard's slots that move while it is copied end the migration (SlotWatchedTask says why)
        tasks.start(ShardTask.of(request.shard(),
                SlotWatchedTask.of(request.shard(), request.slots(), copy, connector, request.source(), shardEvents)));
    }
}

package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.ShardedEntryWriter;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.pipeline.TargetLostException;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.value.MigratedDbs;
import dev.redismigrate.snapshot.SnapshotConfig;
import dev.redismigrate.snapshot.SnapshotWriters;
import dev.redismigrate.snapshot.SnapshotWrites;
import dev.redismigrate.worker.Backoff;
import dev.redismigrate.worker.RequestTask;
import dev.redismigrate.worker.Ticker;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.time.Duration;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The scan method's copy, for sources that refuse PSYNC: SCAN each migrated db, read each batch of
 * keys pipelined (strings by MGET, the rest by DUMP, each with its PTTL: {@link ScanReads}), and
 * write them to the target (SET or MSET, RESTORE ... REPLACE ABSTTL, pipelined; type by type where
 * the target cannot load the source's DUMP format). It is no point-in-time copy: the stream worker captures every change from before the
 * scan on and copies those keys again once the scan has completed, which this copier announces in
 * the changed-keys log (then reports SNAPSHOT_COMPLETED, without an offset). A part of a split scan
 * copies only its share of the keys (see {@link ScanParts}); each part marks its own end.
 */
public final class ScanCopier extends RequestTask {
    private static final Logger LOG = Logger.getLogger(ScanCopier.class);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

    private final SnapshotRequest request;
    /** which keys go where (ignore_dbs, key filters, db_map) */
    private final MigratedKeys migratedKeys;
    private final RedisConnector connector;
    private final ChangedKeysLog changedKeys;
    private final SnapshotConfig snapshotConfig;
    private final ScanConfig config;
    /** the writers into the target, each on a thread and connection of its own (the reads and the writes overlap) */
    private final SnapshotWriters targetWriters;

    /** the target is a Redis Cluster: writes are routed by slot ({@link TargetSinks}) */
    private boolean targetIsCluster;
    private volatile long keysTotal;
    private volatile long keysCopied;
    /** what the last round's writer applied, in bytes (a stop during a reconnect reports it) */
    private long bytesWritten;
    /** holds the copy to the migration's limits.keys_per_second */
    private final Pacer keysPacer;
    /** how long a source cluster that refuses reads for now (CLUSTERDOWN) is waited for; 0: such a refusal fails */
    private Duration clusterDownWait = Duration.ZERO;

    public ScanCopier(SnapshotRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            ChangedKeysLog changedKeys, SnapshotConfig snapshotConfig, ScanConfig config) {
        super(request.migrationId(), request.attempt(), request.source(), request.target(), events);
        keysPacer = MigrationPacers.keys(request.migrationId());
        this.request = request;
        this.migratedKeys = request.migratedKeys();
        this.connector = connector;
        this.changedKeys = changedKeys;
        this.snapshotConfig = snapshotConfig;
        this.config = config;
        this.targetWriters = new SnapshotWriters(connector, request, snapshotConfig, "scan");
    }

    /**
     * Reads a cluster source refuses for now (CLUSTERDOWN while another shard's master fails over,
     * TRYAGAIN) start the scan over once it answers, for up to {@code wait} (the source-failover wait).
     */
    public ScanCopier waitingOutClusterDown(Duration wait) {
        this.clusterDownWait = wait;
        return this;
    }

    @Override
    public int part() {
        return request.partIndex();
    }

    @Override
    protected String what() {
        return "scan of " + request.source().address();
    }

    @Override
    protected void work() {
        try (RedisLink source = connector.open(request.source(), "redis-migrate-scan");
             RedisLink target = connector.open(request.target(), "redis-migrate-scan")) {
            // DUMP payloads carry the source's RDB version, which RESTORE refuses when newer than the target's own:
            // rebuild the keys type by type there (the same rule as the API's method choice)
            boolean typeWise = config.typeWise() || !target.release().loads(source.release());
            boolean stringsByValue = !typeWise && ScanReads.stringsByValue(source, target);
            targetIsCluster = TargetSinks.isCluster(target);
            // a part's share, as the hash spreads keys evenly
            keysTotal = Keyspace.keysOutside(source.info("keyspace"), request.ignoreDbs()) / request.partCount();
            ScanShare.allowReplicaReads(request, source);
            if (request.attempt() > 1) {
                ScanShare.emptyOnTarget(request, connector, target, targetIsCluster, REPLY_TIMEOUT);
                LOG.infof("migration %s: attempt %d emptied its share of the migrated dbs of the target first", request.migrationId(),
                        request.attempt());
            }
            publish(event(EventType.SNAPSHOT_STARTED).withCopy(0, keysTotal, 0));
            Backoff reconnect = null;
            Backoff refusedForNow = null;
            while (true) {
                try (RespSocket reads = typeWise ? null : connector.openSocket(request.source(), "redis-migrate-scan",
                        REPLY_TIMEOUT.toMillis())) {
                    if (reads != null) {
                        ScanShare.allowReplicaReads(request, reads);
                    }
                    ScanReader reader = new ScanReader(source, reads, MigratedDbs.withKeys(source, request.ignoreDbs()), migratedKeys,
                            request.partIndex(), request.partCount(), typeWise, stringsByValue, config.batchKeys(), keysPacer,
                            REPLY_TIMEOUT);
                    copy(reader, typeWise, target.release().setTakesPxat());
                    return;
                } catch (TargetLostException | RedisAccessException e) {
                    if (stopRequested) { // a stop keeps what was copied, whatever the servers do meanwhile
                        LOG.infof("migration %s: stopped while the scan could not go on (%s)", request.migrationId(), e.getMessage());
                        publish(event(EventType.STOPPED).withCopy(keysCopied, keysTotal, bytesWritten));
                        return;
                    }
                    if (e instanceof RedisAccessException refused && refused.refusedForNow() && !clusterDownWait.isZero()) {
                        if (refusedForNow == null || keysCopied > 0) { // a new outage, after the scan moved on
                            refusedForNow = backoff(Duration.ofMillis(200), Duration.ofSeconds(2), clusterDownWait);
                        }
                        sourceRefusedForNow(refused, refusedForNow);
                        continue;
                    }
                    if (reconnect == null && !(e instanceof TargetLostException) || snapshotConfig.targetRetryFor().isZero()) {
                        throw e;
                    }
                    if (reconnect == null) {
                        reconnect = backoff(Duration.ofMillis(200), Duration.ofSeconds(5), snapshotConfig.targetRetryFor());
                    }
                    lostTarget(e, reconnect);
                }
            }
        }
    }

    /**
     * The target's connections broke (a proxy restart, a failover): the scan starts over once it can
     * write again. RESTORE … REPLACE is idempotent, and what changed meanwhile (a key deleted after it
     * was copied) is captured already and copied again after the scan, so nothing is emptied first.
     */
    private void lostTarget(RuntimeException e, Backoff reconnect) {
        if (!reconnect.pause()) {
            if (stopRequested) {
                return; // the next round ends stopped
            }
            throw new TargetWriteException("interrupted while waiting for the target " + request.target().address());
        }
        if (reconnect.exhausted()) {
            throw new TargetWriteException("lost the target " + request.target().address() + " for more than "
                    + snapshotConfig.targetRetryFor().toSeconds() + " s: " + e.getMessage());
        }
        LOG.warnf("migration %s: %s; the scan starts over once the target answers", request.migrationId(), e.getMessage());
        keysCopied = 0;
    }

    /**
     * The source cluster is down for now (another shard's master died, its replica not yet promoted:
     * every node answers CLUSTERDOWN): nothing is lost, as the capture of changed keys goes on, so the
     * scan starts over once the source answers, or fails when that takes longer than the wait.
     */
    private void sourceRefusedForNow(RedisAccessException e, Backoff wait) {
        if (!wait.pause() || wait.exhausted()) {
            throw new RedisAccessException(e.getMessage() + " (for more than " + clusterDownWait.toSeconds() + " s)");
        }
        LOG.warnf("migration %s: %s; the scan starts over once the source answers", request.migrationId(), e.getMessage());
        keysCopied = 0;
    }

    /**
     * @param typeWise the keys come rebuilt type by type: several commands each, not all naming the key first
     * @param setPxat the target's SET takes PXAT (an expiring string read by DUMP is written by SET)
     */
    private void copy(ScanReader reader, boolean typeWise, boolean setPxat) {
        ShardedEntryWriter writer = targetWriters.open(targetIsCluster, () -> stopRequested, entry -> { });
        SnapshotWrites writes = new SnapshotWrites(writer, setPxat);
        try (Ticker progress = new Ticker("scan-progress").every(Duration.ofSeconds(1), () -> publish(event(EventType.SNAPSHOT_PROGRESS)
                .withCopy(keysCopied, Math.max(keysTotal, keysCopied), writer.bytesApplied())))) {
            pump(reader, batch -> {
                for (Entry entry : batch.entries()) {
                    if (typeWise) {
                        writer.write(0, entry); // a key's rebuild (DEL, XADD, XGROUP CREATE key …) by one writer, in order
                    } else {
                        writes.write(entry.db(), entry.argv()); // a whole key (RESTORE, SET): plain strings join MSETs
                    }
                }
                keysCopied += batch.keys();
            }, Duration.ZERO);
            if (!stopRequested) {
                writes.flush();
                writer.flush();
            }
        } catch (TargetWriteException e) {
            if (!stopRequested) {
                throw e;
            } // else the stop abandoned the writes: what was copied stays
        } finally {
            bytesWritten = writer.bytesApplied();
            writer.close(); // its own connections
        }
        if (stopRequested) {
            publish(event(EventType.STOPPED).withCopy(keysCopied, keysTotal, writer.bytesApplied()));
            return;
        }
        // every change captured from here on is copied again after what the scan wrote
        changedKeys.appendAndWait(ChangedKey.scanCompleted(request.migrationId(), request.attempt(), request.partIndex()));
        LOG.infof("migration %s: scan%s of %d keys complete (%d vanished between SCAN and DUMP)", request.migrationId(),
                request.partCount() > 1 ? " part " + request.partIndex() + " of " + request.partCount() : "", keysCopied,
                reader.keysVanished());
        publish(event(EventType.SNAPSHOT_COMPLETED).withCopy(keysCopied, keysTotal, writer.bytesApplied()));
    }

    @Override
    protected MigrationEvent event(EventType type) {
        MigrationEvent event = super.event(type);
        return request.part() == null ? event : event.withPart(request.partIndex());
    }
}

package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.contract.SnapshotRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntrySink;
import dev.redismigrate.common.selection.KeyPattern;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.pipeline.SocketEntryWriter;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.value.MigratedDbs;
import dev.redismigrate.common.value.MsetBatch;
import dev.redismigrate.common.value.PlainString;
import dev.redismigrate.common.value.Replies;
import dev.redismigrate.common.value.RestoreCommand;
import dev.redismigrate.common.value.TypeWiseReader;
import dev.redismigrate.snapshot.SnapshotConfig;
import dev.redismigrate.common.threads.MigrationThreads;
import dev.redismigrate.worker.RequestTask;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The scan method's copy, for sources that refuse PSYNC: SCAN each migrated db, read each batch of
 * keys with pipelined DUMP + PTTL, and restore them in the target (RESTORE ... REPLACE ABSTTL,
 * pipelined; type by type where the target cannot load the source's DUMP format). It is no point-in-time copy: the stream worker captures every change from before the
 * scan on and copies those keys again once the scan has completed, which this copier announces in
 * the changed-keys log (then reports SNAPSHOT_COMPLETED, without an offset). A part of a split scan
 * copies only its share of the keys (see {@link ScanParts}); each part marks its own end.
 */
public final class ScanCopier extends RequestTask {
    private static final Logger LOG = Logger.getLogger(ScanCopier.class);
    private static final byte[] SCAN = Replies.ascii("SCAN");
    private static final byte[] COUNT = Replies.ascii("COUNT");
    private static final byte[] MATCH = Replies.ascii("MATCH");
    private static final byte[] CURSOR_START = Replies.ascii("0");
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

    private final SnapshotRequest request;
    /** which keys go where (ignore_dbs, key filters, db_map) */
    private final MigratedKeys migratedKeys;
    private final RedisConnector connector;
    private final ChangedKeysLog changedKeys;
    private final SnapshotConfig snapshotConfig;
    private final ScanConfig config;

    private boolean typeWise;
    /** the target is a Redis Cluster: writes are routed by slot ({@link TargetSinks}) */
    private boolean targetIsCluster;
    private volatile long keysTotal;
    private volatile long keysCopied;
    /** holds the copy to the migration's limits.keys_per_second */
    private final Pacer keysPacer;
    private volatile long keysVanished;

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
    }

    @Override
    public int part() {
        return request.partIndex();
    }

    @Override
    public void run() {
        try (RedisLink source = connector.open(request.source(), "redis-migrate-scan");
             RedisLink target = connector.open(request.target(), "redis-migrate-scan")) {
            // DUMP payloads carry the source's RDB version, which RESTORE refuses when newer than the target's own:
            // rebuild the keys type by type there (the same rule as the API's method choice)
            typeWise = config.typeWise() || !target.release().loads(source.release());
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
            copy(source, target);
        } catch (RedisAccessException | TargetWriteException e) {
            fail(e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "migration %s: scan failed", request.migrationId());
            fail("scan of " + request.source().address() + " failed: " + e.getMessage());
        }
    }

    private void copy(RedisLink source, RedisLink target) {
        EntrySink writer = targetIsCluster
                ? TargetSinks.open(connector, request.target(), true, "redis-migrate-scan", snapshotConfig.pipelineCommands(),
                        snapshotConfig.pipelineBytes().asLongValue(), REPLY_TIMEOUT.toMillis())
                : new SocketEntryWriter(connector.openSocket(request.target(), "redis-migrate-scan", REPLY_TIMEOUT.toMillis()),
                        snapshotConfig.pipelineCommands(), snapshotConfig.pipelineBytes().asLongValue());
        ScheduledExecutorService progress = MigrationThreads.timer("scan-progress");
        progress.scheduleWithFixedDelay(() -> publish(event(EventType.SNAPSHOT_PROGRESS)
                .withCopy(keysCopied, Math.max(keysTotal, keysCopied), writer.bytesApplied())), 1, 1, TimeUnit.SECONDS);
        try {
            for (int db : MigratedDbs.withKeys(source, request.ignoreDbs())) {
                scanDb(source, writer, db);
                if (stopRequested) {
                    break;
                }
            }
            writer.flush();
        } finally {
            progress.shutdownNow();
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
                keysVanished);
        publish(event(EventType.SNAPSHOT_COMPLETED).withCopy(keysCopied, keysTotal, writer.bytesApplied()));
    }

    private void scanDb(RedisLink source, EntrySink writer, int db) {
        if (!typeWise) { // DUMP + PTTL over a plain socket, the next SCAN sent with each batch's reads
            try (RespSocket reads = connector.openSocket(request.source(), "redis-migrate-scan", REPLY_TIMEOUT.toMillis())) {
                ScanReads batches = new ScanReads(reads, db, config.batchKeys(), migratedKeys.scanMatch(), this::isMine);
                for (List<byte[][]> batch = batches.next(); batch != null && !stopRequested; batch = batches.next()) {
                    restore(writer, db, batch);
                }
            }
            return;
        }
        source.call("SELECT", db);
        byte[] count = Replies.ascii(Integer.toString(config.batchKeys()));
        byte[] cursor = CURSOR_START;
        // one include pattern: the server filters (SCAN ... MATCH, the same glob rules); else KeySelection here
        KeyPattern match = migratedKeys.scanMatch();
        do {
            byte[][] scan = match == null ? new byte[][] {SCAN, cursor, COUNT, count}
                    : new byte[][] {SCAN, cursor, COUNT, count, MATCH, match.bytes()};
            List<?> reply = (List<?>) await(source.send(scan));
            cursor = (byte[]) reply.get(0);
            copyBatch(source, writer, db, (List<?>) reply.get(1));
        } while (!stopRequested && !isStart(cursor));
    }

    /** A key of this part's share that the filters select. */
    private boolean isMine(byte[] key) {
        return ScanParts.partOf(key, request.partCount()) == request.partIndex() && migratedKeys.selects(key);
    }

    /** This part's keys of a batch, rebuilt type by type in the target (each that still exists). */
    private void copyBatch(RedisLink source, EntrySink writer, int db, List<?> keys) {
        List<byte[]> mine = new ArrayList<>(keys.size());
        for (Object key : keys) {
            if (isMine((byte[]) key)) {
                mine.add((byte[]) key);
            }
        }
        for (List<byte[][]> rebuild : TypeWiseReader.read(source, mine, REPLY_TIMEOUT)) {
            if (rebuild == null || rebuild.isEmpty()) {
                keysVanished++; // gone, or retyped meanwhile: its change notice brings it again
                continue;
            }
            rebuild.forEach(command -> writer.write(new Entry(migratedKeys.targetDb(db), command, -1)));
            keysCopied++;
            keysPacer.acquire(1); // limits.keys_per_second
        }
    }

    /** A batch's keys as read by DUMP + PTTL (null: vanished) into the target. */
    private void restore(EntrySink writer, int db, List<byte[][]> restores) {
        MsetBatch strings = new MsetBatch(); // plain strings without expiry: cheaper for the target than RESTOREs
        for (byte[][] restore : restores) {
            if (restore == null) {
                keysVanished++; // deleted or expired since SCAN saw it: nothing to copy
                continue;
            }
            byte[] plain = RestoreCommand.expires(restore) ? null : PlainString.of(RestoreCommand.payload(restore));
            if (plain == null) {
                writer.write(new Entry(migratedKeys.targetDb(db), restore, -1));
            } else if (strings.add(RestoreCommand.key(restore), plain)) {
                writer.write(new Entry(migratedKeys.targetDb(db), strings.take(), -1));
            }
            keysCopied++;
            keysPacer.acquire(1); // limits.keys_per_second
        }
        if (!strings.isEmpty()) {
            writer.write(new Entry(migratedKeys.targetDb(db), strings.take(), -1));
        }
    }

    private Object await(CompletableFuture<Object> reply) {
        try {
            return reply.get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException("interrupted while reading " + request.source().address());
        } catch (Exception e) {
            throw RedisAccessException.from("SCAN on " + request.source().address() + " failed", e);
        }
    }

    private static boolean isStart(byte[] cursor) {
        return cursor.length == 1 && cursor[0] == '0';
    }

    private void fail(String reason) {
        LOG.errorf("migration %s: %s", request.migrationId(), reason);
        publish(event(EventType.FAILED).withMessage(reason));
    }

    @Override
    protected MigrationEvent event(EventType type) {
        MigrationEvent event = super.event(type);
        return request.part() == null ? event : event.withPart(request.partIndex());
    }

    private void publish(MigrationEvent event) {
        events.accept(event);
    }
}

package dev.redismigrate.stream.scan;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntrySink;
import dev.redismigrate.common.pipeline.TargetLostException;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.KeyEventSubscription;
import dev.redismigrate.common.redis.KeyspaceNotifications;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.stream.IdleTargetWatch;
import dev.redismigrate.stream.ShardFlush;
import dev.redismigrate.stream.SourceShardKeys;
import dev.redismigrate.stream.StreamConfig;
import dev.redismigrate.worker.Backoff;
import dev.redismigrate.worker.RequestTask;
import dev.redismigrate.worker.Ticker;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The scan method's stream: before the scan starts, subscribes to the source's key-event
 * notifications and appends every changed key to the changed-keys log (CAPTURE_STARTED then lets
 * the scan start); once it reads the scan's end in that log (of every part, when split), copies
 * each changed key again from the source (DUMP + PTTL → RESTORE ... REPLACE ABSTTL, or DEL when the
 * key is gone), the keys captured during the scan first, then every new change, until stopped. A lost subscription is a
 * gap nobody can fill: it is reported as OFFSET_LOST, and api-service starts the copy over; so is a target that is now
 * another server process (restarted, failed over), or one that lost its keys while no changed key was copied
 * ({@link TargetLossWatch}): it may have lost what was copied to it.
 */
public final class ChangedKeyReplayer extends RequestTask {
    private static final Logger LOG = Logger.getLogger(ChangedKeyReplayer.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration PROBE_WAIT = Duration.ofSeconds(3);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

    private final StreamRequest request;
    /** which keys go where (ignore_dbs, key filters, db_map) */
    private final MigratedKeys migratedKeys;
    private final RedisConnector connector;
    private final ChangedKeysLog changedKeys;
    private final StreamConfig streamConfig;
    private final ChangeCopyConfig config;

    /** why changes may have been missed: the migration must start over */
    private volatile String lost;
    private volatile long keysRecopied;
    /** the target is a Redis Cluster: writes are routed by slot */
    private boolean targetIsCluster;
    /** the writer into the target, over connections of its own; replaced when its connection broke */
    private EntrySink writer;
    /** the db the source link has selected (the probe's) */
    private int sourceDb = 0;
    /** how long a source cluster that is down for now (CLUSTERDOWN) is read again before that counts as a loss */
    private Duration clusterDownWait = Duration.ZERO;

    public ChangedKeyReplayer(StreamRequest request, RedisConnector connector, Consumer<MigrationEvent> events,
            ChangedKeysLog changedKeys, StreamConfig streamConfig, ChangeCopyConfig config) {
        super(request.migrationId(), request.attempt(), request.source(), request.target(), events);
        this.request = request;
        this.migratedKeys = request.migratedKeys();
        this.connector = connector;
        this.changedKeys = changedKeys;
        this.streamConfig = streamConfig;
        this.config = config;
    }

    /**
     * Reads of changed keys that a cluster source refuses for now (CLUSTERDOWN while another shard's
     * master fails over, TRYAGAIN) are tried again for up to {@code wait} (the source-failover wait);
     * without it (0, the default) such a refusal counts as lost changes.
     */
    public ChangedKeyReplayer waitingOutClusterDown(Duration wait) {
        this.clusterDownWait = wait;
        return this;
    }

    @Override
    protected String what() {
        return "change capture";
    }

    @Override
    protected void work() throws InterruptedException {
        try (RedisLink source = connector.open(request.source(), "redis-migrate-changes");
             RedisLink target = connector.open(request.target(), "redis-migrate-changes");
             ChangedKeysLog.Reader log = changedKeys.readFromNow(request.migrationId());
             KeyEventSubscription subscription = connector.subscribe(request.source(), "redis-migrate-capture")) {
            // DUMP payloads the target cannot RESTORE (a newer RDB version): written type by type, as the scan does
            boolean typeWise = config.typeWise() || !target.release().loads(source.release());
            String flags = KeyspaceNotifications.current(source);
            String note = flags == null ? "" : enableNotifications(source, flags);
            if (note == null) {
                return; // refused: reported
            }
            Capture capture = new Capture();
            subscription.start(capture);
            if (flags == null && !heard(source, capture)) {
                fail("the scan method needs keyspace notifications and " + request.source().address()
                        + " sent none for a probe key (CONFIG is refused there, so they cannot be turned on here): set "
                        + "notify-keyspace-events to include \"" + KeyspaceNotifications.CAPTURE_FLAGS
                        + "\" (e.g. \"KEA\") in the service's parameters, then start again");
                return;
            }
            targetIsCluster = TargetSinks.isCluster(target);
            try (TargetParts parts = new TargetParts(connector, request.target(), targetIsCluster)) {
                // before the scan may write: every key it copies is in a process known from here on
                // a cluster source's shard: a part emptied by the other shards' deletes is not this capture's loss
                BitSet shardSlots = ShardFlush.slotsOf(request.shard(), request.slots());
                TargetLossWatch lossWatch = new TargetLossWatch(parts, new IdleTargetWatch(migratedKeys), request.target().address(),
                        part -> SourceShardKeys.holdKeysFor(connector, request.source(), shardSlots, part));
                LOG.infof("migration %s: capturing changed keys of %s", request.migrationId(), request.source());
                publish(event(EventType.CAPTURE_STARTED).withMessage(note.isEmpty() ? null : note));
                copyChanges(log, source, typeWise, lossWatch);
            }
        }
    }

    /** Reads the changed keys; once the scan has ended, copies each again, until the task ends. */
    private void copyChanges(ChangedKeysLog.Reader log, RedisLink source, boolean typeWise, TargetLossWatch lossWatch)
            throws InterruptedException {
        writer = openWriter();
        ChangedKeysReader reader = new ChangedKeysReader(log, source, sourceDb, request.attempt(), request.scanPartCount(),
                migratedKeys, typeWise, config.batchKeys(), clusterDownWait, new ChangedKeysReader.Listener() {
                    public void scanCompleted(int pending) {
                        LOG.infof("migration %s: scan completed; copying %d keys changed meanwhile", request.migrationId(), pending);
                        publish(event(EventType.STREAM_STARTED).withMessage(pending + " keys changed during the scan"));
                    }

                    public void lost(String reason) {
                        ChangedKeyReplayer.this.lost(reason);
                    }

                    public void refusedForNow(String reason) {
                        LOG.warnf("migration %s: %s; reading again for up to %d s", request.migrationId(), reason,
                                clusterDownWait.toSeconds());
                    }
                });
        try {
            follow(reader, lossWatch);
        } finally {
            writer.close();
        }
    }

    /** @return what was done ("" when nothing was needed), or null when the source refuses (reported) */
    private String enableNotifications(RedisLink source, String flags) {
        if (KeyspaceNotifications.cover(flags)) {
            return "";
        }
        String wanted = flags + KeyspaceNotifications.CAPTURE_FLAGS;
        try {
            KeyspaceNotifications.set(source, wanted);
            return "set the source's notify-keyspace-events from \"" + flags + "\" to \"" + wanted + "\"";
        } catch (RedisAccessException e) {
            fail("the scan method needs keyspace notifications and " + request.source().address()
                    + " has them off and refuses CONFIG SET (" + e.getMessage() + "): set notify-keyspace-events to include \""
                    + KeyspaceNotifications.CAPTURE_FLAGS + "\" (e.g. \"KEA\"), then start again");
            return null;
        }
    }

    /**
     * Where the source hides its settings (CONFIG refused, as on managed services), whether it sends
     * notifications is seen by writing a short-lived probe key and waiting for its event.
     */
    private boolean heard(RedisLink source, Capture capture) throws InterruptedException {
        int db = 0;
        while (request.ignoreDbs().contains(db)) {
            db++;
        }
        source.call("SELECT", db);
        sourceDb = db;
        String probe = new String(capture.probeKey, StandardCharsets.UTF_8);
        source.call("SET", probe, "1", "PX", 10_000);
        boolean heard = capture.probeHeard.await(PROBE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        source.call("DEL", probe);
        return heard;
    }

    /** Appends each notification to the log as it comes: the source's pace, never the target's. */
    private final class Capture implements KeyEventSubscription.Listener {
        final byte[] probeKey = ("redis-migrate:notify-probe:" + request.migrationId()).getBytes(StandardCharsets.UTF_8);
        final CountDownLatch probeHeard = new CountDownLatch(1);

        @Override
        public void changed(int db, byte[] key) {
            if (Arrays.equals(key, probeKey)) {
                probeHeard.countDown(); // ours, before the scan starts: not the source's data
            } else if (migratedKeys.selects(db, key)) { // ignore_dbs and key filters
                changedKeys.append(ChangedKey.of(request.migrationId(), request.attempt(), db, key),
                        e -> lost("Kafka did not take a changed key: " + e.getMessage()));
            }
        }

        @Override
        public void lost(String reason) {
            ChangedKeyReplayer.this.lost(reason);
        }
    }

    private void lost(String reason) {
        if (lost == null && !stopRequested) {
            lost = reason;
        }
    }

    /**
     * A writer into the target over connections of its own (a plain socket to a standalone target, as
     * the snapshot's; a cluster's masters by slot), held to the limits.
     */
    private EntrySink openWriter() {
        return TargetSinks.open(connector, request.target(), targetIsCluster, "redis-migrate-changes",
                streamConfig.pipelineCommands(), streamConfig.pipelineBytes().asLongValue(), REPLY_TIMEOUT.toMillis())
                .pacedBy(MigrationPacers.commands(request.migrationId()));
    }

    /**
     * Writes a batch of changed keys; when the target's connection broke (a proxy restart, a
     * failover), reconnects with backoff for {@code target-retry-for} and writes the batch again:
     * a changed key's copy is its whole value as read, so writing it twice changes nothing. A stop
     * asked meanwhile ends the attempt as stopped, not failed: a stop keeps what was copied.
     * @return whether the batch was written (false: the task was asked to stop first)
     */
    private boolean write(EntryBatch<?> batch) {
        Backoff reconnect = null;
        while (true) {
            try {
                batch.entries().forEach(writer::write);
                writer.flush();
                return true;
            } catch (TargetLostException | RedisAccessException e) {
                if (stopRequested) {
                    return false;
                }
                if (streamConfig.targetRetryFor().isZero()) {
                    throw e;
                }
                if (reconnect == null) {
                    reconnect = backoff(Duration.ofMillis(200), Duration.ofSeconds(5), streamConfig.targetRetryFor());
                    LOG.warnf("migration %s: %s; reconnecting to the target", request.migrationId(), e.getMessage());
                }
                if (!reconnect.pause() || lost != null) {
                    return false; // asked to stop meanwhile, or the target came back as another process (see follow)
                }
                if (reconnect.exhausted()) {
                    throw new TargetWriteException("lost the target " + request.target().address() + " for more than "
                            + streamConfig.targetRetryFor().toSeconds() + " s: " + e.getMessage());
                }
                reconnect();
            }
        }
    }

    private void reconnect() {
        try {
            EntrySink next = openWriter();
            writer.close();
            writer = next;
        } catch (RedisAccessException | TargetLostException e) {
            LOG.debugf("migration %s: the target does not answer yet: %s", request.migrationId(), e.getMessage());
        }
    }

    /**
     * Copies the changed keys until stopped, or until changes may have been missed (the subscription or the
     * source lost, the target lost data: see {@link #checkTarget}).
     */
    private void follow(ChangedKeysReader reader, TargetLossWatch lossWatch) throws InterruptedException {
        Duration every = streamConfig.progressInterval();
        // the target watched on a timer of its own: a hung target must not hold the progress reports,
        // whose silence would have api-service hand the migration over
        try (Ticker progress = new Ticker("changes-progress").every(every, () -> {
                 if (reader.scanCompleted() && lost == null) {
                     publish(progress(EventType.STREAM_PROGRESS, reader));
                 }
             });
             Ticker targetCheck = new Ticker("changes-target-watch").every(every, () -> {
                 if (reader.scanCompleted()) {
                     checkTarget(lossWatch, reader);
                 }
             })) {
            pump(reader, batch -> {
                if (batch.keys() == 0) {
                    return; // nothing read within the wait
                }
                lossWatch.writing();
                try {
                    if (write(batch)) {
                        keysRecopied += batch.keys();
                    }
                } finally {
                    lossWatch.written();
                }
            }, POLL);
            // no report after the last event below, no read of the target's links once they are closed
            progress.closeAndWait();
            targetCheck.closeAndWait();
        }
        try {
            writer.flush();
        } catch (TargetLostException | RedisAccessException e) {
            if (!stopRequested && lost == null) {
                throw e;
            }
            LOG.infof("migration %s: %s while the target was unreachable (%s)", request.migrationId(),
                    stopRequested ? "stopped" : "ending to copy again", e.getMessage());
        }
        if (lost != null) {
            LOG.warnf("migration %s: %s", request.migrationId(), lost);
            publish(event(EventType.OFFSET_LOST).withMessage(lost + "; changes made meanwhile cannot be known"));
        } else {
            publish(progress(EventType.STOPPED, reader));
        }
    }

    /**
     * Timer: a target that lost keys copied to it (another server process now, or its keys gone while
     * nothing was copied), which no checkpoint there tells: the changes cannot be known, everything is
     * copied again (OFFSET_LOST), within a tick of the target answering again. Unknown while it does not answer.
     */
    private void checkTarget(TargetLossWatch lossWatch, ChangedKeysReader reader) {
        try {
            String why = lossWatch.check(reader.pendingKeys() == 0);
            if (why != null) {
                lost(why);
            }
        } catch (RuntimeException e) { // a node down or restarting; never the end of the ticks
            LOG.debugf("migration %s: the target not read now: %s", request.migrationId(), e.toString());
        }
    }

    @Override
    protected boolean ending() {
        return super.ending() || lost != null;
    }

    private MigrationEvent progress(EventType type, ChangedKeysReader reader) {
        return event(type).withChanges(keysRecopied, reader.pendingKeys(), reader.oldestPendingSeconds());
    }
}

package dev.redismigrate.stream.scan;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.contract.StreamRequest;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.limits.MigrationPacers;
import dev.redismigrate.common.pipeline.ClusterEntryWriter;
import dev.redismigrate.common.pipeline.EntrySink;
import dev.redismigrate.common.pipeline.EntryWriter;
import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.pipeline.TargetWriteException;
import dev.redismigrate.common.redis.KeyEventSubscription;
import dev.redismigrate.common.redis.KeyspaceNotifications;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.value.DumpReader;
import dev.redismigrate.common.value.Replies;
import dev.redismigrate.common.value.TypeWiseReader;
import dev.redismigrate.stream.StreamConfig;
import dev.redismigrate.worker.RequestTask;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * gap nobody can fill: it is reported as OFFSET_LOST, and api-service starts the copy over.
 */
public final class ChangedKeyReplayer extends RequestTask {
    private static final Logger LOG = Logger.getLogger(ChangedKeyReplayer.class);
    private static final byte[] DEL = Replies.ascii("DEL");
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
    private final PendingChanges pending = new PendingChanges();

    /** why changes may have been missed: the migration must start over */
    private volatile String lost;
    private final Set<Integer> partsCompleted = new HashSet<>();
    private boolean scanCompleted;
    private long keysRecopied;
    private int sourceDb = 0;
    /** whether keys are rebuilt type by type (the target cannot load the source's DUMP format) */
    private boolean typeWise;

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

    @Override
    public void run() {
        try (RedisLink source = connector.open(request.source(), "redis-migrate-changes");
             RedisLink target = connector.open(request.target(), "redis-migrate-changes");
             ChangedKeysLog.Reader reader = changedKeys.readFromNow(request.migrationId());
             KeyEventSubscription subscription = connector.subscribe(request.source(), "redis-migrate-capture")) {
            // DUMP payloads the target cannot RESTORE (a newer RDB version): written type by type, as the scan does
            typeWise = config.typeWise() || !target.release().loads(source.release());
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
            LOG.infof("migration %s: capturing changed keys of %s", request.migrationId(), request.source());
            events.accept(event(EventType.CAPTURE_STARTED).withMessage(note.isEmpty() ? null : note));
            EntrySink writer = TargetSinks.isCluster(target)
                    ? TargetSinks.open(connector, request.target(), true, "redis-migrate-changes",
                            streamConfig.pipelineCommands(), streamConfig.pipelineBytes().asLongValue(), REPLY_TIMEOUT.toMillis())
                    : new EntryWriter(target, streamConfig.pipelineCommands(), streamConfig.pipelineBytes().asLongValue(),
                            REPLY_TIMEOUT.toMillis());
            try {
                follow(source, writer.pacedBy(MigrationPacers.commands(request.migrationId())), reader);
            } finally {
                if (writer instanceof ClusterEntryWriter) {
                    writer.close(); // its own connections to every master (a standalone writer's is closed above)
                }
            }
        } catch (RedisAccessException | TargetWriteException e) {
            fail(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "migration %s: change capture failed", request.migrationId());
            fail("change capture failed: " + e.getMessage());
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

    private void follow(RedisLink source, EntrySink writer, ChangedKeysLog.Reader reader) {
        long progressEvery = streamConfig.progressInterval().toNanos();
        long nextProgress = System.nanoTime() + progressEvery;
        while (!stopRequested && lost == null) {
            // a batch at a time, reading new changes in between: a stop or a lost subscription is seen soon
            boolean copying = scanCompleted && pending.size() > 0;
            for (ChangedKeysLog.Timed record : reader.poll(copying ? Duration.ZERO : POLL)) {
                read(record);
            }
            if (scanCompleted && pending.size() > 0) {
                try {
                    copy(source, writer, pending.take(config.batchKeys()));
                } catch (RedisAccessException e) {
                    // the source went away: its notifications did too, so this is a gap as well
                    lost(e.getMessage());
                }
            }
            if (scanCompleted && System.nanoTime() >= nextProgress) {
                nextProgress = System.nanoTime() + progressEvery;
                events.accept(progress(EventType.STREAM_PROGRESS));
            }
        }
        writer.flush();
        if (lost != null) {
            LOG.warnf("migration %s: %s", request.migrationId(), lost);
            events.accept(event(EventType.OFFSET_LOST).withMessage(lost + "; changes made meanwhile cannot be known"));
        } else {
            events.accept(progress(EventType.STOPPED));
        }
    }

    private void read(ChangedKeysLog.Timed record) {
        ChangedKey change = record.change();
        if (change.attempt() != request.attempt()) {
            return; // an older attempt's: its copy was emptied
        }
        if (change.marksScanCompleted()) {
            partsCompleted.add(change.part() == null ? 0 : change.part());
            if (!scanCompleted && partsCompleted.size() >= request.scanPartCount()) {
                scanCompleted = true;
                LOG.infof("migration %s: scan completed; copying %d keys changed meanwhile", request.migrationId(), pending.size());
                events.accept(event(EventType.STREAM_STARTED).withMessage(pending.size() + " keys changed during the scan"));
            }
        } else {
            pending.add(change.db(), change.key(), record.appendedAtMillis());
        }
    }

    /** The keys' current state from the source, one round trip per db; written to the target after what the scan wrote. */
    private void copy(RedisLink source, EntrySink writer, List<PendingChanges.DbKey> keys) {
        int from = 0;
        while (from < keys.size()) {
            int db = keys.get(from).db();
            int to = from;
            List<byte[]> names = new ArrayList<>();
            while (to < keys.size() && keys.get(to).db() == db) {
                names.add(keys.get(to++).key());
            }
            if (db != sourceDb) {
                source.call("SELECT", db);
                sourceDb = db;
            }
            if (typeWise) {
                List<List<byte[][]>> rebuilds = TypeWiseReader.read(source, names, REPLY_TIMEOUT);
                for (int i = 0; i < names.size(); i++) {
                    // empty: retyped between the reads, and its change notice brings it again
                    List<byte[][]> commands = rebuilds.get(i) == null ? List.<byte[][]>of(new byte[][] {DEL, names.get(i)})
                            : rebuilds.get(i);
                    for (byte[][] command : commands) {
                        writer.write(new Entry(migratedKeys.targetDb(db), command, -1));
                    }
                }
            } else {
                List<byte[][]> restores = DumpReader.read(source, names, REPLY_TIMEOUT);
                for (int i = 0; i < names.size(); i++) {
                    byte[][] argv = restores.get(i) == null ? new byte[][] {DEL, names.get(i)} : restores.get(i);
                    writer.write(new Entry(migratedKeys.targetDb(db), argv, -1));
                }
            }
            from = to;
        }
        writer.flush();
        keysRecopied += keys.size();
    }

    private MigrationEvent progress(EventType type) {
        return event(type).withChanges(keysRecopied, pending.size(), pending.oldestAgeSeconds(System.currentTimeMillis()));
    }

    private void fail(String reason) {
        LOG.errorf("migration %s: %s", request.migrationId(), reason);
        events.accept(event(EventType.FAILED).withMessage(reason));
    }
}

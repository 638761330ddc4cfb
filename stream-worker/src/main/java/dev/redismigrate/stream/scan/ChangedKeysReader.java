package dev.redismigrate.stream.scan;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.value.DumpReader;
import dev.redismigrate.common.value.Replies;
import dev.redismigrate.common.value.TypeWiseReader;
import dev.redismigrate.worker.kafka.ChangedKeysLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The scan method's stream reader: reads the changed-keys log (Kafka), holds each changed key once
 * however often it changed, and once the scan's end is in the log (of every part, when split) reads
 * the held keys' current state from the source, oldest first, a batch at a time: RESTORE ... REPLACE
 * ABSTTL entries (or the type-by-type rebuild), a DEL for a key that is gone. A batch's {@code keys}
 * is how many keys it copies again. The log is read between batches, so that new changes join the
 * backlog as they come.
 */
final class ChangedKeysReader implements EntryReader<Void> {
    private static final byte[] DEL = Replies.ascii("DEL");
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

    /** What the task hears from the reader. */
    interface Listener {
        /** The scan has ended (every part): copying starts with the {@code pending} keys changed meanwhile. */
        void scanCompleted(int pending);

        /** The source went away while its keys were read: its notifications did too, so changes may be missed. */
        void lost(String reason);

        /** The source refuses reads for now (a cluster's failover elsewhere); they are tried again. */
        void refusedForNow(String reason);
    }

    private final ChangedKeysLog.Reader log;
    private final RedisLink source;
    private final int attempt;
    private final int scanParts;
    private final MigratedKeys migratedKeys;
    /** whether keys are rebuilt type by type (the target cannot load the source's DUMP format) */
    private final boolean typeWise;
    private final int batchKeys;
    private final Listener listener;
    private final PendingChanges pending = new PendingChanges();
    /** how long a source that refuses reads for now (a cluster's failover elsewhere) is waited for */
    private final Duration refusedForNowWait;
    /** keys whose read the source refused for now, read again first; null when none */
    private List<PendingChanges.DbKey> refused;
    /** since when the source refuses (System.nanoTime), while it does */
    private long refusedSince;
    private final Set<Integer> partsCompleted = new HashSet<>();
    private boolean scanCompleted;
    /** the db the source link has selected */
    private int sourceDb;
    /** what {@link #pending} holds, for the progress reports of another thread */
    private volatile int pendingKeys;
    private volatile long oldestPendingSeconds;

    ChangedKeysReader(ChangedKeysLog.Reader log, RedisLink source, int sourceDb, int attempt, int scanParts,
            MigratedKeys migratedKeys, boolean typeWise, int batchKeys, Duration refusedForNowWait, Listener listener) {
        this.log = log;
        this.source = source;
        this.sourceDb = sourceDb;
        this.attempt = attempt;
        this.scanParts = scanParts;
        this.migratedKeys = migratedKeys;
        this.typeWise = typeWise;
        this.batchKeys = batchKeys;
        this.refusedForNowWait = refusedForNowWait;
        this.listener = listener;
    }

    @Override
    public EntryBatch<Void> next(Duration wait) {
        // while copying, new changes are only picked up in between: a stop or a lost subscription is seen soon
        boolean copying = scanCompleted && (pending.size() > 0 || refused != null);
        // a source that refuses for now is asked again after the poll's wait, not at once
        for (ChangedKeysLog.Timed record : log.poll(copying && refused == null ? Duration.ZERO : wait)) {
            read(record);
        }
        EntryBatch<Void> batch = EntryBatch.empty();
        if (scanCompleted && (pending.size() > 0 || refused != null)) {
            List<PendingChanges.DbKey> keys = refused != null ? refused : pending.take(batchKeys);
            try {
                batch = new EntryBatch<>(copy(keys), keys.size(), null);
                refused = null;
            } catch (RedisAccessException e) {
                refusedOrLost(keys, e);
            }
        }
        // not copied yet: what waits here, the batch about to be written (or refused for now), and the log's
        // records not read yet (a burst queues in Kafka faster than it is polled: without them the lag read 0
        // far behind the source, and a cut-over could have been called ready)
        long waiting = pending.size() + batch.keys() + (refused == null ? 0 : refused.size()) + log.unread();
        pendingKeys = (int) Math.min(Integer.MAX_VALUE, waiting);
        oldestPendingSeconds = pending.oldestAgeSeconds(System.currentTimeMillis());
        return batch;
    }

    /**
     * A source cluster that is down for now (another shard's master died and its replica is not yet
     * promoted: every node answers CLUSTERDOWN) has lost nothing: its notifications go on, so the
     * keys are read again until it answers, for up to {@code refusedForNowWait}. Anything else, or
     * longer, is a loss.
     */
    private void refusedOrLost(List<PendingChanges.DbKey> keys, RedisAccessException e) {
        if (!e.refusedForNow() || refusedForNowWait.isZero()) {
            listener.lost(e.getMessage());
            return;
        }
        if (refused == null) {
            refused = keys;
            refusedSince = System.nanoTime();
            listener.refusedForNow(e.getMessage());
        } else if (System.nanoTime() - refusedSince > refusedForNowWait.toNanos()) {
            listener.lost(e.getMessage() + " (for more than " + refusedForNowWait.toSeconds() + " s)");
        }
    }

    /** Whether the scan has ended and the copy of changed keys has begun. */
    boolean scanCompleted() {
        return scanCompleted;
    }

    /** Changed keys waiting to be copied again (as of the last read). */
    int pendingKeys() {
        return pendingKeys;
    }

    /** Seconds since the oldest waiting change was captured (as of the last read). */
    long oldestPendingSeconds() {
        return oldestPendingSeconds;
    }

    private void read(ChangedKeysLog.Timed record) {
        ChangedKey change = record.change();
        if (change.attempt() != attempt) {
            return; // an older attempt's: its copy was emptied
        }
        if (change.marksScanCompleted()) {
            partsCompleted.add(change.part() == null ? 0 : change.part());
            if (!scanCompleted && partsCompleted.size() >= scanParts) {
                scanCompleted = true;
                listener.scanCompleted(pending.size());
            }
        } else {
            pending.add(change.db(), change.key(), record.appendedAtMillis());
        }
    }

    /** The keys' current state from the source, one round trip per db, as entries after what the scan wrote. */
    private List<Entry> copy(List<PendingChanges.DbKey> keys) {
        List<Entry> entries = new ArrayList<>(keys.size());
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
                        entries.add(new Entry(migratedKeys.targetDb(db), command, -1));
                    }
                }
            } else {
                List<byte[][]> restores = DumpReader.read(source, names, REPLY_TIMEOUT);
                for (int i = 0; i < names.size(); i++) {
                    byte[][] argv = restores.get(i) == null ? new byte[][] {DEL, names.get(i)} : restores.get(i);
                    entries.add(new Entry(migratedKeys.targetDb(db), argv, -1));
                }
            }
            from = to;
        }
        return entries;
    }
}

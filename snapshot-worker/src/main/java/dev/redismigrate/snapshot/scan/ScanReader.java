package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.contract.ScanParts;
import dev.redismigrate.common.limits.Pacer;
import dev.redismigrate.common.pipeline.Entry;
import dev.redismigrate.common.pipeline.EntryBatch;
import dev.redismigrate.common.pipeline.EntryReader;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.selection.KeyPattern;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.value.Replies;
import dev.redismigrate.common.value.TypeWiseReader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scan method's reader: SCANs each migrated db and reads each batch of this part's keys over a
 * plain socket, the next SCAN sent with them ({@link ScanReads}: a RESTORE ... REPLACE ABSTTL, or the SET
 * of a string read by value, per key; the copier's {@code SnapshotWrites} makes MSETs of plain strings), or
 * type by type where the target cannot load the source's DUMP format.
 * A batch is one SCAN reply's keys; the reader ends after the last db's cursor came back to 0.
 */
final class ScanReader implements EntryReader<Void> {
    private static final byte[] SCAN = Replies.ascii("SCAN");
    private static final byte[] COUNT = Replies.ascii("COUNT");
    private static final byte[] MATCH = Replies.ascii("MATCH");
    private static final byte[] CURSOR_START = Replies.ascii("0");

    private final RedisLink source;
    /** DUMP + PTTL go over it (null when type by type) */
    private final RespSocket reads;
    private final int batchKeys;
    /** the reads of the db being scanned by DUMP (null: the next db's are due) */
    private ScanReads dbReads;
    private final Deque<Integer> dbs;
    private final MigratedKeys migratedKeys;
    private final int partIndex;
    private final int partCount;
    private final boolean typeWise;
    /** strings read by MGET rather than DUMP ({@link ScanReads}) */
    private final boolean stringsByValue;
    private final byte[] count;
    private final Duration replyTimeout;
    /** holds the read to the migration's limits.keys_per_second */
    private final Pacer keysPacer;

    /** the db being scanned (-1: none yet) and its cursor */
    private int db = -1;
    private byte[] cursor = CURSOR_START;
    private volatile long keysVanished;

    /**
     * @param reads a plain socket to the source for DUMP + PTTL, or null to read type by type ({@code typeWise})
     * @param stringsByValue strings by MGET, written by SET (the target takes SET ... PXAT; the source is no cluster node)
     */
    ScanReader(RedisLink source, RespSocket reads, List<Integer> dbs, MigratedKeys migratedKeys, int partIndex, int partCount,
            boolean typeWise, boolean stringsByValue, int batchKeys, Pacer keysPacer, Duration replyTimeout) {
        this.source = source;
        this.reads = reads;
        this.batchKeys = batchKeys;
        this.dbs = new ArrayDeque<>(dbs);
        this.migratedKeys = migratedKeys;
        this.partIndex = partIndex;
        this.partCount = partCount;
        this.typeWise = typeWise;
        this.stringsByValue = stringsByValue;
        this.count = Replies.ascii(Integer.toString(batchKeys));
        this.keysPacer = keysPacer;
        this.replyTimeout = replyTimeout;
    }

    /** Keys deleted or expired (or retyped) between SCAN and DUMP: their change notices bring them again. */
    long keysVanished() {
        return keysVanished;
    }

    @Override
    public EntryBatch<Void> next(Duration wait) {
        if (!typeWise) {
            return nextByDump();
        }
        if (db < 0 || isStart(cursor)) { // the next db
            if (dbs.isEmpty()) {
                return null;
            }
            db = dbs.poll();
            source.call("SELECT", db);
        }
        // one include pattern: the server filters (SCAN ... MATCH, the same glob rules); else KeySelection here
        KeyPattern match = migratedKeys.scanMatch();
        byte[][] scan = match == null ? new byte[][] {SCAN, cursor, COUNT, count}
                : new byte[][] {SCAN, cursor, COUNT, count, MATCH, match.bytes()};
        List<?> reply = (List<?>) await(source.send(scan));
        cursor = (byte[]) reply.get(0);
        return read((List<?>) reply.get(1));
    }

    /** By DUMP + PTTL over the plain socket ({@link ScanReads}: the next SCAN goes with each batch's reads). */
    private EntryBatch<Void> nextByDump() {
        while (true) {
            if (dbReads == null) {
                if (dbs.isEmpty()) {
                    return null;
                }
                db = dbs.poll();
                // read now, after the capture started: a key given an expiry from here on is a change it copies again
                boolean expiries = Keyspace.expiringPerDb(source.info("keyspace")).getOrDefault(db, 0L) > 0;
                dbReads = new ScanReads(reads, db, batchKeys, migratedKeys.scanMatch(), this::isMine, stringsByValue, expiries);
            }
            List<byte[][]> batch = dbReads.next();
            if (batch != null) {
                return restores(batch);
            }
            dbReads = null; // that db's cursor came back to 0
        }
    }

    /** A key of this part's share that the filters select. */
    private boolean isMine(byte[] key) {
        return ScanParts.partOf(key, partCount) == partIndex && migratedKeys.selects(key);
    }

    /** This part's keys of a SCAN reply, rebuilt type by type; each that still exists as entries. */
    private EntryBatch<Void> read(List<?> keys) {
        List<byte[]> mine = new ArrayList<>(keys.size());
        for (Object key : keys) {
            if (isMine((byte[]) key)) {
                mine.add((byte[]) key);
            }
        }
        int targetDb = migratedKeys.targetDb(db);
        List<Entry> entries = new ArrayList<>(mine.size());
        int read = 0;
        for (List<byte[][]> rebuild : TypeWiseReader.read(source, mine, replyTimeout)) {
            if (rebuild == null || rebuild.isEmpty()) {
                keysVanished++; // gone, or retyped meanwhile: its change notice brings it again
                continue;
            }
            rebuild.forEach(command -> entries.add(new Entry(targetDb, command, -1)));
            read++;
            keysPacer.acquire(1); // limits.keys_per_second
        }
        return new EntryBatch<>(entries, read, null);
    }

    /** A batch's keys as read ({@link ScanReads}: a RESTORE or a SET each; null: vanished) as entries for the target. */
    private EntryBatch<Void> restores(List<byte[][]> batch) {
        int targetDb = migratedKeys.targetDb(db);
        List<Entry> entries = new ArrayList<>(batch.size());
        for (byte[][] command : batch) {
            if (command == null) {
                keysVanished++; // deleted or expired since SCAN saw it: nothing to copy
                continue;
            }
            entries.add(new Entry(targetDb, command, -1));
            keysPacer.acquire(1); // limits.keys_per_second
        }
        return new EntryBatch<>(entries, entries.size(), null);
    }

    private Object await(CompletableFuture<Object> reply) {
        try {
            return reply.get(replyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException("interrupted while reading " + source.endpoint().address());
        } catch (Exception e) {
            throw RedisAccessException.from("SCAN on " + source.endpoint().address() + " failed", e);
        }
    }

    private static boolean isStart(byte[] cursor) {
        return cursor.length == 1 && cursor[0] == '0';
    }
}

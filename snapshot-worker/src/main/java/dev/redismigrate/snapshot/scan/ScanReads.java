package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.pipeline.TargetSinks;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.selection.KeyPattern;
import dev.redismigrate.common.value.DumpReader;
import dev.redismigrate.common.value.Replies;
import dev.redismigrate.common.value.SetCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * The scan's reads of one source db over a plain {@link RespSocket}: each batch's reads go out
 * together with the next SCAN, so one round trip per batch, and no client library's objects per
 * command; and the next batch's reads go out before a batch is handed on, so the source always has
 * one batch to work on. One thread uses it.
 *
 * <p>The reads are DUMP + PTTL per key, or, where the source allows it ({@code stringsByValue}), one
 * MGET for the batch + PTTL per key, and DUMP only for the keys MGET found no string in, with the PTTL
 * read already (the read-ahead then weighs the batch's strings only: its DUMPs are asked for with the
 * next batch; a second PTTL per such key was 0.2 s of the source's 5.7 CPU-s per 1,000,000 keys, 12-07):
 * on the benchmark's mix (60% strings) the reads alone cost the source a third less CPU (5.65 s
 * against 8.45-9.06 s for 1,221,323 keys), the whole scan copy a fifth less (5.2-5.5 s against 6.7 s
 * per 1,000,000 keys), and a string needs no DUMP payload built (LZF, CRC64) nor parsed.
 */
final class ScanReads {
    private static final byte[] SCAN = Replies.ascii("SCAN");
    private static final byte[] COUNT = Replies.ascii("COUNT");
    private static final byte[] MATCH = Replies.ascii("MATCH");
    private static final byte[] SELECT = Replies.ascii("SELECT");
    private static final byte[] MGET = Replies.ascii("MGET");
    private static final byte[] PTTL = Replies.ascii("PTTL");

    /**
     * A batch read ahead waits in the source's output buffer while the caller hands the last one on
     * (which may wait for a slow target): after a batch of more than this, the next is asked for only
     * when the caller comes back, so the source holds about one batch of ordinary values for us.
     */
    static final long AHEAD_BYTES = 4 << 20;

    private final RespSocket source;
    private final byte[] count;
    private final KeyPattern match;
    private final Predicate<byte[]> mine;
    private final boolean stringsByValue;
    /**
     * Whether the db held keys with an expiry when its reads began (INFO keyspace's {@code expires}); if
     * not, no PTTL is asked (one more lookup of every key for the source): a key given an expiry later
     * is a change, which the scan method's capture (started before any read) copies again after the scan.
     */
    private final boolean expiries;
    /** a SCAN was sent whose reply is not read yet (none: the db's cursor came back to 0) */
    private boolean scanPending;
    /** the keys of a SCAN reply read whose reads are not sent yet (null: none) */
    private List<byte[]> scanned;
    private byte[] scannedCursor;
    /** the keys whose reads were sent and not read yet (they answer before the pending SCAN) */
    private List<byte[]> inFlight;
    /** by value: the keys of the last batch whose DUMPs were sent and not read yet (they answer before {@link #inFlight}) */
    private List<byte[]> dumpsInFlight;
    /** their expiries as read with the MGET (epoch ms; null: none) */
    private List<Long> dumpsExpireAt;

    /**
     * @param count SCAN's COUNT
     * @param match the SCAN's MATCH pattern, or null
     * @param mine which of the scanned keys to read
     * @param stringsByValue strings by MGET, the rest by DUMP (not on a cluster node: MGET's keys must share a slot)
     * @param expiries the db holds keys with an expiry (false: no PTTL is asked)
     */
    ScanReads(RespSocket source, int db, int count, KeyPattern match, Predicate<byte[]> mine, boolean stringsByValue,
            boolean expiries) {
        this.source = source;
        this.count = Replies.ascii(Integer.toString(count));
        this.match = match;
        this.mine = mine;
        this.stringsByValue = stringsByValue;
        this.expiries = expiries;
        try {
            source.write(new byte[][] {SELECT, Replies.ascii(Integer.toString(db))});
            sendScan(Replies.ascii("0"));
            source.send();
            Object selected = source.readValue();
            if (selected instanceof RespSocket.ErrorReply e) {
                throw new RedisAccessException("SELECT " + db + " on " + source.endpoint().address() + " failed: " + e.message());
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /**
     * Whether strings may be read by MGET and written by SET: the source is no cluster node (MGET's
     * keys would have to share a slot) and allows MGET, and the target takes {@code SET ... PXAT}.
     */
    static boolean stringsByValue(RedisLink source, RedisLink target) {
        if (!target.release().setTakesPxat() || TargetSinks.isCluster(source)) {
            return false;
        }
        try {
            // two keys of different slots: a proxy in front of shards (cluster_enabled:0) may refuse that (CROSSSLOT)
            source.call("MGET", "{a}redis-migrate:probe", "{b}redis-migrate:probe");
            return true;
        } catch (RedisAccessException refused) {
            return false; // an ACL without MGET, a renamed command, a proxy's CROSSSLOT: DUMP as before
        }
    }

    /**
     * The next batch's commands for the target, one per key (a RESTORE, or a SET of a string read by
     * value; null where a key vanished since SCAN), or null at the db's end. Before it answers, the
     * batch after it is already asked for: its reads go out as soon as the SCAN reply naming its keys
     * is read, so the source works on them while the caller hands this batch on (one batch at a time
     * left the source idle for that hand-over, every batch).
     */
    List<byte[][]> next() {
        try {
            while (true) {
                if (stringsByValue && (inFlight != null || dumpsInFlight != null)) {
                    List<byte[][]> commands = readByValue();
                    if (!commands.isEmpty()) {
                        return commands;
                    }
                    continue; // a batch of other types only: their DUMPs come with the next call
                }
                if (inFlight != null) {
                    List<byte[]> keys = inFlight;
                    inFlight = null;
                    return readByDump(keys);
                }
                if (scanned == null) {
                    if (!scanPending) {
                        return null;
                    }
                    readScan();
                }
                requestScanned();
                source.send();
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private List<byte[][]> readByDump(List<byte[]> keys) throws IOException {
        List<byte[][]> replies = expiries ? DumpReader.replies(source, keys)
                : DumpReader.dumpReplies(source, keys, Collections.nCopies(keys.size(), null));
        if (bytes(replies) <= AHEAD_BYTES) { // else big values: the next batch is asked for once this one is handed on
            askNext();
        }
        return replies;
    }

    /**
     * By value, the reads run one batch apart: this reads the last batch's DUMPs (of its keys that
     * hold no string) and this batch's MGET + PTTLs, then asks for this batch's DUMPs and the next
     * batch's MGET together, so the source has both to work on while the caller hands these on (had
     * the DUMPs been waited for here, the source would idle while the caller writes to the target).
     * On the wire: MGET and PTTLs of batch N, the SCAN naming batch N+1, the DUMPs of batch N, the
     * MGET of batch N+1, and so on.
     * @return the last batch's RESTOREs and this batch's SETs (null where a key vanished)
     */
    private List<byte[][]> readByValue() throws IOException {
        List<byte[][]> commands = new ArrayList<>();
        if (dumpsInFlight != null) {
            commands.addAll(DumpReader.dumpReplies(source, dumpsInFlight, dumpsExpireAt));
            dumpsInFlight = null;
            dumpsExpireAt = null;
        }
        if (inFlight == null) {
            return commands; // the last batch was over the read-ahead: the next is asked for on the next call
        }
        List<byte[]> keys = inFlight;
        inFlight = null;
        Object values = source.readValue();
        long[] ttls = new long[keys.size()];
        RespSocket.ErrorReply refused = values instanceof RespSocket.ErrorReply e ? e : null;
        if (!expiries) {
            Arrays.fill(ttls, -1); // none asked: a key gone since SCAN has no string, so its DUMP says it is gone
        }
        for (int i = 0; expiries && i < keys.size(); i++) {
            Object pttl = source.readValue();
            if (pttl instanceof RespSocket.ErrorReply e) {
                refused = refused == null ? e : refused;
            } else {
                ttls[i] = (Long) pttl;
            }
        }
        if (refused != null) {
            throw new RedisAccessException("reading keys from " + source.endpoint().address() + " failed: " + refused.message());
        }
        long readAt = System.currentTimeMillis();
        List<?> strings = (List<?>) values;
        List<byte[]> others = new ArrayList<>();
        List<Long> othersExpireAt = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < keys.size(); i++) {
            byte[] value = (byte[]) strings.get(i);
            if (ttls[i] == -2) {
                commands.add(null); // gone (deleted, expired) since SCAN, whatever MGET saw just before
            } else if (value != null) {
                commands.add(SetCommand.of(keys.get(i), value, ttls[i] < 0 ? null : readAt + ttls[i]));
                bytes += value.length;
            } else {
                others.add(keys.get(i)); // another type: its DUMP tells, read with the next batch
                othersExpireAt.add(ttls[i] < 0 ? null : readAt + ttls[i]);
            }
        }
        if (scanPending) {
            readScan(); // it was sent right after this batch's MGET: it answers before anything asked now
        }
        if (!others.isEmpty()) {
            DumpReader.requestDumps(source, others); // their PTTL came with the MGET
            dumpsInFlight = others;
            dumpsExpireAt = othersExpireAt;
        }
        if (bytes <= AHEAD_BYTES) { // else big strings: the next batch is asked for once this one is handed on
            requestScanned();
        }
        source.send();
        return commands;
    }

    /** Reads the pending SCAN's reply and sends its keys' reads, then the following SCAN (unless the cursor ended). */
    private void askNext() throws IOException {
        if (!scanPending) {
            return;
        }
        readScan();
        requestScanned();
        source.send();
    }

    /** Writes (does not send) the reads of the keys of the SCAN reply read last, and the following SCAN. */
    private void requestScanned() throws IOException {
        if (scanned == null) {
            return;
        }
        List<byte[]> keys = scanned;
        scanned = null;
        if (!keys.isEmpty()) {
            if (stringsByValue) {
                byte[][] mget = new byte[keys.size() + 1][];
                mget[0] = MGET;
                for (int i = 0; i < keys.size(); i++) {
                    mget[i + 1] = keys.get(i);
                }
                source.write(mget);
                for (int i = 0; expiries && i < keys.size(); i++) {
                    source.write(new byte[][] {PTTL, keys.get(i)});
                }
            } else if (expiries) {
                DumpReader.request(source, keys);
            } else {
                DumpReader.requestDumps(source, keys);
            }
            inFlight = keys;
        }
        if (scannedCursor.length != 1 || scannedCursor[0] != '0') {
            sendScan(scannedCursor); // the source answers it right after this batch's reads
        }
    }

    private static long bytes(List<byte[][]> restores) {
        long bytes = 0;
        for (byte[][] restore : restores) {
            if (restore != null) {
                for (byte[] arg : restore) {
                    bytes += arg.length;
                }
            }
        }
        return bytes;
    }

    private void sendScan(byte[] cursor) throws IOException {
        source.write(match == null ? new byte[][] {SCAN, cursor, COUNT, count}
                : new byte[][] {SCAN, cursor, COUNT, count, MATCH, match.bytes()});
        scanPending = true;
    }

    /** Reads the pending SCAN's reply: its keys of this part's share wait in {@link #scanned}. */
    private void readScan() throws IOException {
        if (!scanPending) {
            throw new IllegalStateException("no SCAN in flight");
        }
        scanPending = false;
        Object reply = source.readValue();
        if (reply instanceof RespSocket.ErrorReply e) {
            throw new RedisAccessException("SCAN on " + source.endpoint().address() + " failed: " + e.message());
        }
        List<?> answer = (List<?>) reply;
        scannedCursor = (byte[]) answer.get(0);
        List<byte[]> keys = new ArrayList<>();
        for (Object key : (List<?>) answer.get(1)) {
            if (mine.test((byte[]) key)) {
                keys.add((byte[]) key);
            }
        }
        scanned = keys;
    }

    private RedisAccessException failed(IOException e) {
        return new RedisAccessException("reading keys from " + source.endpoint().address() + " failed: " + e.getMessage());
    }
}

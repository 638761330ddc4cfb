package dev.redismigrate.snapshot.scan;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RespSocket;
import dev.redismigrate.common.selection.KeyPattern;
import dev.redismigrate.common.value.DumpReader;
import dev.redismigrate.common.value.Replies;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The scan's reads of one source db over a plain {@link RespSocket}: each batch's DUMP + PTTL go
 * out together with the next SCAN, so one round trip per batch instead of two, and no client
 * library's objects per command (two commands per key); and the next batch's reads go out before a
 * batch is handed on, so the source always has one batch to work on. One thread uses it.
 */
final class ScanReads {
    private static final byte[] SCAN = Replies.ascii("SCAN");
    private static final byte[] COUNT = Replies.ascii("COUNT");
    private static final byte[] MATCH = Replies.ascii("MATCH");
    private static final byte[] SELECT = Replies.ascii("SELECT");

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
    /** a SCAN was sent whose reply is not read yet (none: the db's cursor came back to 0) */
    private boolean scanPending;
    /** the keys whose DUMP + PTTL were sent and not read yet (they answer before the pending SCAN) */
    private List<byte[]> inFlight;

    /**
     * @param count SCAN's COUNT
     * @param match the SCAN's MATCH pattern, or null
     * @param mine which of the scanned keys to read
     */
    ScanReads(RespSocket source, int db, int count, KeyPattern match, Predicate<byte[]> mine) {
        this.source = source;
        this.count = Replies.ascii(Integer.toString(count));
        this.match = match;
        this.mine = mine;
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
     * The next batch's RESTORE commands (null where a key vanished since SCAN), or null at the db's
     * end. Before it answers, the batch after it is already asked for: its DUMP + PTTL go out as soon
     * as the SCAN reply naming its keys is read, so the source works on them while the caller hands
     * this batch on (one batch at a time left the source idle for that hand-over, every batch).
     */
    List<byte[][]> next() {
        try {
            while (true) {
                if (inFlight != null) {
                    List<byte[][]> replies = DumpReader.replies(source, inFlight);
                    inFlight = null;
                    if (bytes(replies) <= AHEAD_BYTES) {
                        askNext(); // the SCAN that followed those reads answers next
                    } // else big values: the next batch is asked for once this one is handed on (the source holds less for us)
                    return replies;
                }
                if (!scanPending) {
                    return null;
                }
                askNext();
            }
        } catch (IOException e) {
            throw failed(e);
        }
    }

    /** Reads the pending SCAN's reply and sends its keys' DUMP + PTTL, then the following SCAN (unless the cursor ended). */
    private void askNext() throws IOException {
        if (!scanPending) {
            return;
        }
        List<?> reply = readScan();
        byte[] cursor = (byte[]) reply.get(0);
        List<byte[]> keys = new ArrayList<>();
        for (Object key : (List<?>) reply.get(1)) {
            if (mine.test((byte[]) key)) {
                keys.add((byte[]) key);
            }
        }
        if (!keys.isEmpty()) {
            DumpReader.request(source, keys);
            inFlight = keys;
        }
        if (cursor.length != 1 || cursor[0] != '0') {
            sendScan(cursor); // the source answers it right after this batch's reads
        }
        source.send();
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

    private List<?> readScan() throws IOException {
        if (!scanPending) {
            throw new IllegalStateException("no SCAN in flight");
        }
        scanPending = false;
        Object reply = source.readValue();
        if (reply instanceof RespSocket.ErrorReply e) {
            throw new RedisAccessException("SCAN on " + source.endpoint().address() + " failed: " + e.message());
        }
        return (List<?>) reply;
    }

    private RedisAccessException failed(IOException e) {
        return new RedisAccessException("reading keys from " + source.endpoint().address() + " failed: " + e.getMessage());
    }
}

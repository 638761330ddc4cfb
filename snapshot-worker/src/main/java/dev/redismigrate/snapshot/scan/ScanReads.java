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
 * library's objects per command (two commands per key). One thread uses it.
 */
final class ScanReads {
    private static final byte[] SCAN = Replies.ascii("SCAN");
    private static final byte[] COUNT = Replies.ascii("COUNT");
    private static final byte[] MATCH = Replies.ascii("MATCH");
    private static final byte[] SELECT = Replies.ascii("SELECT");

    private final RespSocket source;
    private final byte[] count;
    private final KeyPattern match;
    private final Predicate<byte[]> mine;
    /** the reply of a SCAN sent and not read yet, else done */
    private boolean scanPending;
    private boolean done;

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

    /** The next batch's RESTORE commands (null where a key vanished since SCAN), or null at the db's end. */
    List<byte[][]> next() {
        try {
            while (!done) {
                List<?> reply = readScan();
                byte[] cursor = (byte[]) reply.get(0);
                List<byte[]> keys = new ArrayList<>();
                for (Object key : (List<?>) reply.get(1)) {
                    if (mine.test((byte[]) key)) {
                        keys.add((byte[]) key);
                    }
                }
                DumpReader.request(source, keys);
                if (cursor.length == 1 && cursor[0] == '0') {
                    done = true;
                } else {
                    sendScan(cursor); // the source answers it right after this batch's reads
                }
                source.send();
                if (!keys.isEmpty()) {
                    return DumpReader.replies(source, keys);
                }
            }
            return null;
        } catch (IOException e) {
            throw failed(e);
        }
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

package dev.redismigrate.snapshot;

import static dev.redismigrate.common.value.Replies.ascii;
import static dev.redismigrate.snapshot.CraftedRdb.concat;
import static dev.redismigrate.snapshot.CraftedRdb.rdbString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.common.contract.EventType;
import dev.redismigrate.common.contract.MigrationEvent;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.testing.RedisServer;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis 5 or 6 source writes its streams as RDB type 15 (no first id, max deleted id, entries added
 * or entries read); no such server runs here, so a Redis 7.0 stream's value is rewritten that way and
 * added to a real RDB, with a plain key after it: the copy must read exactly its bytes (a byte too
 * few or too many and the key after it is misread) and the target must hold what a Redis 7.0 makes of
 * that value by {@code RESTORE}.
 */
class OlderStreamEncodingTest {
    @RegisterExtension
    static final CraftedRdb.Copies COPIES = new CraftedRdb.Copies();

    @Test
    void aRedis6StreamWithGroupsConsumersAndPendingEntriesCopiesEqual() throws Exception {
        try (RedisServer source = RedisServer.start(); RedisServer target = RedisServer.start();
             RedisServer reference = RedisServer.start(); RdbServingProxy proxy = new RdbServingProxy(source.port())) {
            source.cliPipe("SET plain v\nHSET hash f v\n"
                    + "XADD s 1-1 a 1\nXADD s 1-2 b 2\nXADD s 2-0 c 3 d 4\nXADD s 3-0 e 5\nXDEL s 1-2\n"
                    + "XGROUP CREATE s readers 0\nXREADGROUP GROUP readers alice COUNT 2 STREAMS s >\n"
                    + "XGROUP CREATECONSUMER s readers bob\nXGROUP CREATE s late $\n");
            byte[] dump = dump(source, "s");
            assertEquals(19, dump[0], "Redis 7.0 dumps a stream as RDB type 19");
            byte[] body = type15Body(dump);
            byte[] rdb = CraftedRdb.saved(source);
            proxy.serve(CraftedRdb.withValue(rdb, concat(new byte[] {15}, rdbString(ascii("old:stream")), body,
                    new byte[] {0}, rdbString(ascii("after:stream")), rdbString(ascii("read right")))));

            List<MigrationEvent> events = COPIES.copy(proxy, target);

            assertEquals(EventType.SNAPSHOT_COMPLETED, events.get(events.size() - 1).type(), () -> "events: " + events);
            // what a Redis 7.0 makes of the same value, restored as a Redis 6 DUMP payload
            byte[] payload = concat(new byte[] {15}, body, new byte[] {(byte) CraftedRdb.version(rdb), 0}, new byte[8]);
            ChunkingRdbVisitor.seal(payload);
            assertEquals("OK", reference.cli("FLUSHALL").trim());
            try (RedisLink link = link(reference)) {
                assertEquals("OK", String.valueOf(link.send(new byte[][] {ascii("RESTORE"), ascii("old:stream"), ascii("0"), payload})
                        .get()));
            }
            assertEquals(reference.cli("XINFO", "STREAM", "old:stream", "FULL"), target.cli("XINFO", "STREAM", "old:stream", "FULL"));
            assertEquals("3", target.cli("XLEN", "old:stream").trim());
            assertEquals("read right", target.cli("GET", "after:stream").trim());
            for (String key : List.of("plain", "hash", "s")) {
                assertEquals(source.cli("DEBUG", "DIGEST-VALUE", key), target.cli("DEBUG", "DIGEST-VALUE", key), key);
            }
            assertEquals(5, Integer.parseInt(target.cli("DBSIZE").trim()));
        }
    }

    private static byte[] dump(RedisServer server, String key) throws Exception {
        try (RedisLink link = link(server)) {
            return (byte[]) link.send(new byte[][] {ascii("DUMP"), ascii(key)}).get();
        }
    }

    private static RedisLink link(RedisServer server) {
        return COPIES.connector().open(new RedisEndpoint("127.0.0.1", server.port(), null, null, false), "older-stream-test");
    }

    /**
     * A type 19 stream's value (a DUMP payload: type, value, RDB version, CRC64) as type 15 writes it:
     * the same nodes, length and last id; without the first id, max deleted id and entries added; each
     * group without its entries read; pending entries and consumers as they are.
     */
    static byte[] type15Body(byte[] dump) {
        RdbBytes in = new RdbBytes(dump, 1);
        for (long nodes = in.length(true); nodes > 0; nodes--) {
            in.string();
            in.string();
        }
        for (int i = 0; i < 3; i++) { // length, last id (ms, seq)
            in.length(true);
        }
        for (int i = 0; i < 5; i++) { // first id (ms, seq), max deleted id (ms, seq), entries added: not in type 15
            in.length(false);
        }
        for (long groups = in.length(true); groups > 0; groups--) {
            in.string();
            in.length(true);
            in.length(true);
            in.length(false); // entries read
            for (long pending = in.length(true); pending > 0; pending--) {
                in.raw(16 + 8); // id, delivery time
                in.length(true); // delivery count
            }
            for (long consumers = in.length(true); consumers > 0; consumers--) {
                in.string();
                in.raw(8); // seen time
                for (long owned = in.length(true); owned > 0; owned--) {
                    in.raw(16);
                }
            }
        }
        assertEquals(dump.length - 10, in.position(), "the whole value read (then the RDB version and CRC64)");
        return in.written();
    }

    /** Reads RDB lengths and strings from a byte array, copying what is kept. */
    private static final class RdbBytes {
        private final byte[] in;
        private int pos;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        RdbBytes(byte[] in, int pos) {
            this.in = in;
            this.pos = pos;
        }

        /** A length (6, 14, 32 or 64 bits), copied if {@code keep}. */
        long length(boolean keep) {
            int start = pos;
            int first = in[pos++] & 0xff;
            long value = switch (first >> 6) {
                case 0 -> first & 0x3f;
                case 1 -> (first & 0x3f) << 8 | in[pos++] & 0xff;
                case 2 -> {
                    int bytes = first == 0x80 ? 4 : 8;
                    long v = 0;
                    for (int i = 0; i < bytes; i++) {
                        v = v << 8 | in[pos++] & 0xff;
                    }
                    yield v;
                }
                default -> throw new IllegalStateException("an encoded string where a length belongs, at " + start);
            };
            if (keep) {
                out.write(in, start, pos - start);
            }
            return value;
        }

        /** A string: plain, an integer (1, 2 or 4 bytes) or LZF-compressed; copied. */
        void string() {
            int first = in[pos] & 0xff;
            if (first >> 6 != 3) {
                raw((int) length(true));
                return;
            }
            raw(1);
            switch (first & 0x3f) {
                case 0 -> raw(1);
                case 1 -> raw(2);
                case 2 -> raw(4);
                case 3 -> {
                    int compressed = (int) length(true);
                    length(true);
                    raw(compressed);
                }
                default -> throw new IllegalStateException("unknown string encoding " + first);
            }
        }

        void raw(int n) {
            out.write(in, pos, n);
            pos += n;
        }

        int position() {
            return pos;
        }

        byte[] written() {
            return out.toByteArray();
        }
    }
}

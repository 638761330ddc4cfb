package dev.redismigrate.snapshot;

import static com.moilioncircle.redis.replicator.Constants.QUICKLIST_NODE_CONTAINER_PLAIN;
import static com.moilioncircle.redis.replicator.Constants.RDB_ENC_INT16;
import static com.moilioncircle.redis.replicator.Constants.RDB_ENC_INT8;
import static com.moilioncircle.redis.replicator.Constants.MODULE_SET;
import static com.moilioncircle.redis.replicator.Constants.RDB_ENC_LZF;
import static com.moilioncircle.redis.replicator.Constants.RDB_LOAD_NONE;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_HASH;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_HASH_LISTPACK;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_HASH_ZIPLIST;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_HASH_ZIPMAP;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_LIST_QUICKLIST;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_LIST_QUICKLIST_2;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_LIST_ZIPLIST;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_MODULE;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_MODULE_2;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_SET;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_SET_INTSET;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_SET_LISTPACK;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_STREAM_LISTPACKS;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_STREAM_LISTPACKS_2;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_STREAM_LISTPACKS_3;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_STRING;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_ZSET_2;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_ZSET_LISTPACK;
import static com.moilioncircle.redis.replicator.Constants.RDB_TYPE_ZSET_ZIPLIST;

import com.moilioncircle.redis.replicator.Replicator;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import com.moilioncircle.redis.replicator.rdb.BaseRdbParser;
import com.moilioncircle.redis.replicator.rdb.datatype.ContextKeyValuePair;
import com.moilioncircle.redis.replicator.rdb.datatype.DB;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import com.moilioncircle.redis.replicator.rdb.dump.DumpRdbVisitor;
import com.moilioncircle.redis.replicator.rdb.dump.datatype.DumpKeyValuePair;
import com.moilioncircle.redis.replicator.rdb.skip.SkipRdbParser;
import com.moilioncircle.redis.replicator.util.ByteArray;
import com.moilioncircle.redis.replicator.util.CRC64;
import dev.redismigrate.common.value.ChunkedValue;
import dev.redismigrate.common.value.KeyText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the RDB like {@link DumpRdbVisitor} (one DUMP payload per key, for {@code RESTORE}, whose
 * checksum the caller fills in with {@link #seal}), except
 * for values that may grow without bound: strings, and hashes, sets, sorted sets and lists in their
 * unbounded encodings. Such a value is read element by element while its raw bytes are kept for a
 * DUMP payload; once they pass {@code bigValueBytes} the payload is dropped and the value goes to
 * the sink as type-wise commands ({@link ChunkedValue}) of about {@code chunkBytes} each (SET then APPEND,
 * HSET, SADD, ZADD, RPUSH) followed by its expiry, and the key then arrives as a {@link ChunkedKey}.
 * Memory per key is thus bounded by the limit, not by the value. Compact encodings (listpack,
 * ziplist, intset) are bounded by the server's own settings and streams are always restored whole.
 * <p>
 * A value it cannot rebuild stops the parse with an {@link UnreadableValueException} naming the key,
 * its db and its type, never skipped: a module's value (the library would pass it on unchecked or
 * fail without the key's name) and an RDB type the library does not know (it would fail before
 * reading the key).
 */
final class ChunkingRdbVisitor extends DumpRdbVisitor {
    /** A key whose value was written in chunks (the commands went to the sink before this event). */
    static final class ChunkedKey extends KeyValuePair<byte[], Void> {
        private static final long serialVersionUID = 1L;
    }

    private static final byte[] NO_CHECKSUM = new byte[8];
    /** RDB types and opcodes that redis-replicator 3.11.0's parser reads (its RdbParser's switch) */
    private static final boolean[] KNOWN = new boolean[256];

    static {
        for (int t : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 24, 25}) {
            KNOWN[t] = true;
        }
        for (int opcode = 244; opcode <= 255; opcode++) {
            KNOWN[opcode] = true;
        }
    }

    private final long bigValueBytes;
    private final int chunkBytes;
    private final ChunkedValue.Sink sink;
    private final ValueRecorder recorder = new ValueRecorder();
    /** the db being read (SELECTDB), for the errors that name a key */
    private long db;

    ChunkingRdbVisitor(Replicator replicator, long bigValueBytes, int chunkBytes, ChunkedValue.Sink sink) {
        // small initial buffers: the library's default (8 KiB) is zeroed again for each of millions of keys
        super(replicator, -1, 256);
        this.bigValueBytes = bigValueBytes;
        this.chunkBytes = chunkBytes;
        this.sink = sink;
        replicator.addRawByteListener(recorder);
    }

    /**
     * An RDB type the parser knows goes on as usual. Another one stops the parse here, naming the
     * key that follows a value's type byte (types below 240; 240 and up are opcodes, with no key).
     */
    @Override
    public int applyType(RedisInputStream in) throws IOException {
        return checkedType(super.applyType(in), in, db);
    }

    /** The type, unless no parser knows it: then the exception naming the key that follows it. */
    private static int checkedType(int type, RedisInputStream in, long db) throws IOException {
        if (type >= 0 && !KNOWN[type]) {
            String what = "RDB " + (type < 240 ? "value type " : "opcode ") + type;
            if (type >= 240) {
                throw new UnreadableValueException("the source's RDB holds " + what + ", unknown to this copier"
                        + " (a newer server's format?); the copy stopped rather than skip what follows");
            }
            String key;
            try {
                key = "'" + KeyText.of(new BaseRdbParser(in).rdbLoadEncodedStringObject().first()) + "'";
            } catch (IOException | RuntimeException unreadable) {
                key = "(its name unreadable)";
            }
            throw new UnreadableValueException("key " + key + " in db " + db + " has " + what + ", unknown to this copier"
                    + " (a newer server's encoding or a module's?); the copy stopped rather than skip the key");
        }
        return type;
    }

    @Override
    public DB applySelectDB(RedisInputStream in, int version) throws IOException {
        DB selected = super.applySelectDB(in, version);
        db = selected.getDbNumber();
        return selected;
    }

    @Override
    public Event applyModule(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        throw moduleValue(in, RDB_TYPE_MODULE, db);
    }

    @Override
    public Event applyModule2(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        throw moduleValue(in, RDB_TYPE_MODULE_2, db);
    }

    /**
     * A module's value can be restored only where that module is loaded, and whether the target
     * loads it cannot be told from here: the copy stops and names it.
     */
    private static UnreadableValueException moduleValue(RedisInputStream in, int type, long db) throws IOException {
        BaseRdbParser parser = new BaseRdbParser(in);
        byte[] key = parser.rdbLoadEncodedStringObject().first();
        long moduleId = parser.rdbLoadLen().len;
        char[] name = new char[9];
        for (int i = 0; i < name.length; i++) {
            name[i] = MODULE_SET[(int) (moduleId >>> (10 + (name.length - 1 - i) * 6) & 63)];
        }
        return new UnreadableValueException("key '" + KeyText.of(key) + "' in db " + db + " holds a value of module type '"
                + KeyText.of(new String(name).getBytes(StandardCharsets.UTF_8)) + "' (encoding version " + (moduleId & 1023)
                + ", RDB type " + type + "), which the replication copy cannot rebuild; the copy stopped rather than"
                + " skip the key (the scan method restores module values into a target that loads the same module)");
    }

    @Override
    public Event applyString(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        BaseRdbParser parser = new BaseRdbParser(in);
        byte[] key = parser.rdbLoadEncodedStringObject().first();
        recorder.start(RDB_TYPE_STRING);
        try {
            BaseRdbParser.Len len = parser.rdbLoadLen();
            if (!len.encoded) {
                if (len.len <= bigValueBytes) {
                    in.skip(len.len, true);
                    return dump(key, version, context);
                }
                recorder.drop();
                ChunkedValue chunks = chunks(context, key, "SET");
                for (long left = len.len; left > 0; left -= chunkBytes) {
                    chunks.string(in.readBytes(Math.min(left, chunkBytes)).first());
                }
                return end(context, key, chunks);
            }
            if (len.len == RDB_ENC_LZF) {
                long compressed = parser.rdbLoadLen().len;
                long plain = parser.rdbLoadLen().len;
                if (plain <= bigValueBytes) {
                    in.skip(compressed, true);
                    return dump(key, version, context);
                }
                recorder.drop();
                ChunkedValue chunks = chunks(context, key, "SET");
                new LzfChunkDecoder(in, compressed, chunkBytes).decode(chunks::string);
                return end(context, key, chunks);
            }
            // an integer: 1, 2 or 4 bytes
            in.skip(len.len == RDB_ENC_INT8 ? 1 : len.len == RDB_ENC_INT16 ? 2 : 4, true);
            return dump(key, version, context);
        } finally {
            recorder.stop();
        }
    }

    @Override
    public Event applyHash(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return collection(in, version, context, RDB_TYPE_HASH, "HSET", skip -> {
            skip.rdbLoadEncodedStringObject();
            skip.rdbLoadEncodedStringObject();
        }, (parser, out) -> {
            out.add(parser.rdbLoadEncodedStringObject().first());
            out.add(parser.rdbLoadEncodedStringObject().first());
        });
    }

    @Override
    public Event applySet(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return collection(in, version, context, RDB_TYPE_SET, "SADD", SkipRdbParser::rdbLoadEncodedStringObject,
                (parser, out) -> out.add(parser.rdbLoadEncodedStringObject().first()));
    }

    @Override
    public Event applyZSet2(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return collection(in, version, context, RDB_TYPE_ZSET_2, "ZADD", skip -> {
            skip.rdbLoadEncodedStringObject();
            skip.rdbLoadBinaryDoubleValue();
        }, (parser, out) -> {
            byte[] member = parser.rdbLoadEncodedStringObject().first();
            out.add(score(parser.rdbLoadBinaryDoubleValue()));
            out.add(member);
        });
    }

    @Override
    public Event applyListQuickList2(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return collection(in, version, context, RDB_TYPE_LIST_QUICKLIST_2, "RPUSH", skip -> {
            skip.rdbLoadLen();
            skip.rdbGenericLoadStringObject();
        }, (parser, out) -> {
            long container = parser.rdbLoadLen().len;
            ByteArray node = parser.rdbGenericLoadStringObject(RDB_LOAD_NONE);
            if (container == QUICKLIST_NODE_CONTAINER_PLAIN) {
                out.add(node.first());
                return;
            }
            // a listpack: total bytes (4), element count (2), the elements, an end byte
            RedisInputStream listpack = new RedisInputStream(node);
            listpack.skip(4, false);
            for (int n = elementCount(listpack.readInt(2)); n > 0; n--) {
                out.add(BaseRdbParser.StringHelper.listPackEntry(listpack));
            }
        });
    }

    @Override
    public Event applyListQuickList(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return collection(in, version, context, RDB_TYPE_LIST_QUICKLIST, "RPUSH", SkipRdbParser::rdbGenericLoadStringObject,
                (parser, out) -> {
            ByteArray node = parser.rdbGenericLoadStringObject(RDB_LOAD_NONE);
            // a ziplist: total bytes (4), offset of the last entry (4), entry count (2), the entries, an end byte
            RedisInputStream ziplist = new RedisInputStream(node);
            ziplist.skip(8, false);
            for (int n = elementCount(ziplist.readInt(2)); n > 0; n--) {
                out.add(BaseRdbParser.StringHelper.zipListEntry(ziplist));
            }
        });
    }

    // Compact encodings (one blob each, bounded by the server's *-max-listpack-* settings): the
    // library's own payloads for them compute their checksum a byte at a time on this thread.

    @Override
    public Event applyHashListPack(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_HASH_LISTPACK);
    }

    @Override
    public Event applyHashZipList(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_HASH_ZIPLIST);
    }

    @Override
    public Event applyHashZipMap(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_HASH_ZIPMAP);
    }

    @Override
    public Event applySetListPack(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_SET_LISTPACK);
    }

    @Override
    public Event applySetIntSet(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_SET_INTSET);
    }

    @Override
    public Event applyZSetListPack(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_ZSET_LISTPACK);
    }

    @Override
    public Event applyZSetZipList(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_ZSET_ZIPLIST);
    }

    @Override
    public Event applyListZipList(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return blob(in, version, context, RDB_TYPE_LIST_ZIPLIST);
    }

    private Event blob(RedisInputStream in, int version, ContextKeyValuePair context, int type) throws IOException {
        return recorded(in, version, context, type, SkipRdbParser::rdbLoadPlainStringObject);
    }

    /** A value restored whole: its key read, then its bytes recorded for the DUMP payload while {@code value} skips them. */
    private Event recorded(RedisInputStream in, int version, ContextKeyValuePair context, int type, Skipper value)
            throws IOException {
        byte[] key = new BaseRdbParser(in).rdbLoadEncodedStringObject().first();
        recorder.start(type);
        try {
            value.skip(new SkipRdbParser(in));
            return dump(key, version, context);
        } finally {
            recorder.stop();
        }
    }

    // Streams (restored whole): recorded by this visitor's recorder as they are skipped. The library's
    // own recording takes each byte read alone through a new buffer (ByteBuilder wraps every one): a
    // sixth of a snapshot worker's samples for the 2% of the benchmark's keys that are streams (12-06).

    @Override
    public Event applyStreamListPacks(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return stream(in, version, context, RDB_TYPE_STREAM_LISTPACKS);
    }

    @Override
    public Event applyStreamListPacks2(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return stream(in, version, context, RDB_TYPE_STREAM_LISTPACKS_2);
    }

    @Override
    public Event applyStreamListPacks3(RedisInputStream in, int version, ContextKeyValuePair context) throws IOException {
        return stream(in, version, context, RDB_TYPE_STREAM_LISTPACKS_3);
    }

    /**
     * A stream as rdb.c saves it: its listpack nodes (each a master id and a listpack), its length and
     * last id; from type 19 on its first id, max deleted id and entries added; its groups (name, last
     * delivered id, from type 19 on entries read, the pending entries: a raw 16-byte id, the delivery
     * time and count each) with their consumers (name, seen time, from type 21 on active time, their
     * pending ids).
     */
    private Event stream(RedisInputStream in, int version, ContextKeyValuePair context, int type) throws IOException {
        boolean since19 = type != RDB_TYPE_STREAM_LISTPACKS;
        return recorded(in, version, context, type, skip -> {
            for (long nodes = skip.rdbLoadLen().len; nodes > 0; nodes--) {
                skip.rdbLoadPlainStringObject();
                skip.rdbLoadPlainStringObject();
            }
            for (int field = since19 ? 8 : 3; field > 0; field--) { // length, last id (2); first id (2), max deleted (2), added
                skip.rdbLoadLen();
            }
            for (long groups = skip.rdbLoadLen().len; groups > 0; groups--) {
                skip.rdbLoadPlainStringObject();
                skip.rdbLoadLen();
                skip.rdbLoadLen();
                if (since19) {
                    skip.rdbLoadLen();
                }
                for (long pending = skip.rdbLoadLen().len; pending > 0; pending--) {
                    in.skip(16, true);
                    skip.rdbLoadMillisecondTime();
                    skip.rdbLoadLen();
                }
                for (long consumers = skip.rdbLoadLen().len; consumers > 0; consumers--) {
                    skip.rdbLoadPlainStringObject();
                    skip.rdbLoadMillisecondTime();
                    if (type == RDB_TYPE_STREAM_LISTPACKS_3) {
                        skip.rdbLoadMillisecondTime();
                    }
                    for (long owned = skip.rdbLoadLen().len; owned > 0; owned--) {
                        in.skip(16, true);
                    }
                }
            }
        });
    }

    /** A list node's element count; 65535 means "count them", which a node of the default size never needs. */
    private static int elementCount(int header) throws IOException {
        if (header == 0xffff) {
            throw new IOException("a list node with 65535 elements or more (list-max-listpack-size set that high)"
                    + " cannot be written in chunks; raise redis-migrate.snapshot.big-value past that list's size");
        }
        return header;
    }

    /** Reads one unit of a collection (a field and its value, a member, a list node) as command arguments. */
    private interface ElementReader {
        void read(BaseRdbParser parser, List<byte[]> out) throws IOException;
    }

    /** Reads past a value, or one unit of a collection, without decoding it. */
    private interface Skipper {
        void skip(SkipRdbParser parser) throws IOException;
    }

    /**
     * A collection stored as a count of units: restored whole while its raw bytes stay within the
     * limit, else written in chunks. Until then units are only skipped (their raw bytes kept): once
     * past the limit, the units read so far are parsed from those bytes, the rest from the stream.
     */
    private Event collection(RedisInputStream in, int version, ContextKeyValuePair context, int type, String command,
            Skipper skipper, ElementReader reader) throws IOException {
        BaseRdbParser parser = new BaseRdbParser(in);
        byte[] key = parser.rdbLoadEncodedStringObject().first();
        recorder.start(type);
        try {
            long units = parser.rdbLoadLen().len;
            SkipRdbParser skip = new SkipRdbParser(in);
            long read = 0;
            while (read < units && recorder.size() <= bigValueBytes) {
                skipper.skip(skip);
                read++;
            }
            if (recorder.size() <= bigValueBytes) {
                return dump(key, version, context);
            }
            ChunkedValue chunks = chunks(context, key, command);
            List<byte[]> pending = new ArrayList<>();
            RedisInputStream again = new RedisInputStream(new ByteArray(recorder.recorded()));
            recorder.drop();
            again.skip(1, false); // the type
            BaseRdbParser reparser = new BaseRdbParser(again);
            reparser.rdbLoadLen();
            units(chunks, reparser, reader, read, pending);
            units(chunks, parser, reader, units - read, pending);
            if (!pending.isEmpty()) {
                chunks.collection(pending);
            }
            return end(context, key, chunks);
        } finally {
            recorder.stop();
        }
    }

    /**
     * A DUMP payload as Redis writes it: type, value, RDB version (2 bytes), CRC64 of all that. The
     * checksum is left zero here, for {@link #seal} on a writer thread: it is a third of the
     * parsing thread's work otherwise.
     */
    private Event dump(byte[] key, int version, ContextKeyValuePair context) {
        DumpKeyValuePair kv = new DumpKeyValuePair();
        kv.setValueRdbType(recorder.type());
        kv.setKey(key);
        kv.setValue(recorder.payload(version));
        return context.valueOf(kv);
    }

    /** Writes the checksum into a DUMP payload of this visitor's (its last 8 bytes). */
    static void seal(byte[] payload) {
        int end = payload.length - NO_CHECKSUM.length;
        byte[] crc = CRC64.longToByteArray(DumpChecksum.of(payload, 0, end));
        System.arraycopy(crc, 0, payload, end, crc.length);
    }

    private ChunkedValue chunks(ContextKeyValuePair context, byte[] key, String command) {
        return new ChunkedValue(sink, (int) context.getDb().getDbNumber(), key, command);
    }

    /** Writes the value's expiry; the key goes on as a {@link ChunkedKey}. */
    private static Event end(ContextKeyValuePair context, byte[] key, ChunkedValue chunks) {
        chunks.end(context.getExpiredMs());
        ChunkedKey done = new ChunkedKey();
        done.setKey(key);
        return context.valueOf(done);
    }

    /** Reads {@code count} units and writes them in commands of about the chunk size; keeps the rest in {@code pending}. */
    private void units(ChunkedValue chunks, BaseRdbParser parser, ElementReader reader, long count, List<byte[]> pending)
            throws IOException {
        long pendingBytes = 0;
        for (byte[] b : pending) {
            pendingBytes += b.length + 16;
        }
        for (long i = 0; i < count; i++) {
            int before = pending.size();
            reader.read(parser, pending);
            for (int j = before; j < pending.size(); j++) {
                pendingBytes += pending.get(j).length + 16; // a little for the protocol around each argument
            }
            if (pendingBytes >= chunkBytes) {
                chunks.collection(pending);
                pending.clear();
                pendingBytes = 0;
            }
        }
    }

    /**
     * Records the raw bytes of the value being read, for its DUMP payload; dropped when too big.
     * One recorder listens for the whole parse and is switched on per value: adding and removing
     * a listener per key (a copy-on-write list) cost more than the bytes it records.
     */
    private static final class ValueRecorder implements SpoolParser.ByteListener {
        private byte[] buffer = new byte[4096];
        private int size;
        private int type;
        private boolean recording;

        /** Starts a payload: the type byte, then what the parser reads until {@link #stop}. */
        void start(int type) {
            this.type = type;
            size = 0;
            recording = true;
            append((byte) type);
        }

        @Override
        public void handle(byte... raw) {
            if (recording) {
                ensure(raw.length);
                System.arraycopy(raw, 0, buffer, size, raw.length);
                size += raw.length;
            }
        }

        @Override
        public void handle(byte b) {
            if (recording) {
                append(b);
            }
        }

        private void append(byte b) {
            if (size == buffer.length) {
                ensure(1);
            }
            buffer[size++] = b;
        }

        private void ensure(int more) {
            if (size + more > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
            }
        }

        long size() {
            return size;
        }

        int type() {
            return type;
        }

        /** What was recorded so far, type byte first. */
        byte[] recorded() {
            return Arrays.copyOf(buffer, size);
        }

        /** Ends the payload: the RDB version (2 bytes) and room for the checksum; @return the payload */
        byte[] payload(int version) {
            stop();
            append((byte) (version & 0xff));
            append((byte) ((version >> 8) & 0xff));
            ensure(NO_CHECKSUM.length);
            size += NO_CHECKSUM.length;
            Arrays.fill(buffer, size - NO_CHECKSUM.length, size, (byte) 0);
            byte[] payload = Arrays.copyOf(buffer, size);
            release(); // a stream is never chunked: what a big one grew is not kept for the keys after it
            return payload;
        }

        void stop() {
            recording = false;
        }

        /** Stops and lets go of a buffer a big value grew. */
        void drop() {
            stop();
            size = 0;
            release();
        }

        private void release() {
            if (buffer.length > 1 << 20) {
                buffer = new byte[4096];
            }
        }
    }

    /** A score as ZADD reads it back exactly (shortest round-trip decimal; inf spelled Redis's way). */
    private static byte[] score(double score) {
        if (Double.isInfinite(score)) {
            return ascii(score > 0 ? "inf" : "-inf");
        }
        return ascii(Double.toString(score));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

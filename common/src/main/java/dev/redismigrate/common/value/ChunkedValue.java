package dev.redismigrate.common.value;

import java.util.List;

/**
 * The commands that rebuild one value in chunks, for a value too big to be held whole: a string as
 * SET then APPENDs, a collection as DEL then its type's write command (HSET, SADD, ZADD, RPUSH) per
 * chunk of elements, then the expiry. The first command replaces what the target holds under the key.
 */
public final class ChunkedValue {
    /** Receives the commands that rebuild one value, in order. */
    public interface Sink {
        void write(int db, byte[] key, byte[][] command);
    }

    private static final byte[] SET = Replies.ascii("SET");
    private static final byte[] APPEND = Replies.ascii("APPEND");
    private static final byte[] DEL = Replies.ascii("DEL");
    private static final byte[] PEXPIREAT = Replies.ascii("PEXPIREAT");

    private final Sink sink;
    private final int db;
    private final byte[] key;
    private final byte[] command;
    private boolean first = true;

    /** @param command the write command of the value's type: SET for a string, else HSET, SADD, ZADD or RPUSH */
    public ChunkedValue(Sink sink, int db, byte[] key, String command) {
        this.sink = sink;
        this.db = db;
        this.key = key;
        this.command = Replies.ascii(command);
    }

    /** The next part of a string. */
    public void string(byte[] chunk) {
        sink.write(db, key, new byte[][] {first ? SET : APPEND, key, chunk});
        first = false;
    }

    /** The next elements of a collection, as its write command takes them (ZADD: score, member). */
    public void collection(List<byte[]> arguments) {
        if (first) {
            sink.write(db, key, new byte[][] {DEL, key});
            first = false;
        }
        byte[][] argv = new byte[arguments.size() + 2][];
        argv[0] = command;
        argv[1] = key;
        for (int i = 0; i < arguments.size(); i++) {
            argv[i + 2] = arguments.get(i);
        }
        sink.write(db, key, argv);
    }

    /** @param expireAtMillis the value's absolute expiry, or null when it has none */
    public void end(Long expireAtMillis) {
        if (expireAtMillis != null) {
            sink.write(db, key, new byte[][] {PEXPIREAT, key, Replies.ascii(Long.toString(expireAtMillis))});
        }
    }
}

package dev.redismigrate.snapshot;

import com.moilioncircle.redis.replicator.io.RedisInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Decompresses an LZF-compressed RDB string (the format Redis writes strings with) from the stream
 * in pieces of about {@code chunkBytes}, keeping only the 8 KiB that back-references may reach
 * besides the piece: a compressible 200 MB string is a few MB in the RDB and must not become
 * 200 MB of heap. The library's own decoder needs the whole output at once.
 */
final class LzfChunkDecoder {
    /** how far back a reference may point */
    private static final int WINDOW = 8192;
    /** the most one instruction writes: a reference of 7 + 255 + 2 bytes */
    private static final int LONGEST = 264;

    private final RedisInputStream in;
    private final long compressed;
    private final byte[] out;

    LzfChunkDecoder(RedisInputStream in, long compressed, int chunkBytes) {
        this.in = in;
        this.compressed = compressed;
        this.out = new byte[WINDOW + Math.max(chunkBytes, LONGEST) + LONGEST];
    }

    /** Reads all {@code compressed} bytes; hands each decompressed piece to {@code pieces}, in order. */
    void decode(Consumer<byte[]> pieces) throws IOException {
        long read = 0;
        int pos = 0;
        int emitted = 0;
        while (read < compressed) {
            if (pos + LONGEST > out.length) {
                pieces.accept(Arrays.copyOfRange(out, emitted, pos));
                System.arraycopy(out, pos - WINDOW, out, 0, WINDOW);
                pos = WINDOW;
                emitted = WINDOW;
            }
            int ctrl = next();
            read++;
            if (ctrl < 32) { // a run of ctrl + 1 literal bytes
                int n = ctrl + 1;
                for (int i = 0; i < n; i++) {
                    out[pos++] = (byte) next();
                }
                read += n;
            } else { // a copy of earlier output
                int len = ctrl >> 5;
                if (len == 7) {
                    len += next();
                    read++;
                }
                int ref = pos - ((ctrl & 0x1f) << 8) - 1 - next();
                read++;
                if (ref < 0) {
                    throw new IOException("corrupt LZF string in the RDB: a reference before its start");
                }
                for (int i = 0; i < len + 2; i++) { // may overlap what it writes: byte by byte
                    out[pos++] = out[ref++];
                }
            }
        }
        if (pos > emitted) {
            pieces.accept(Arrays.copyOfRange(out, emitted, pos));
        }
    }

    private int next() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new IOException("the RDB ended inside an LZF string");
        }
        return b;
    }
}

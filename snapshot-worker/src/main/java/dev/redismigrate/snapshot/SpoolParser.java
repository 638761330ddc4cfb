package dev.redismigrate.snapshot;

import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.FileType;
import com.moilioncircle.redis.replicator.RedisRdbReplicator;
import com.moilioncircle.redis.replicator.RedisReplicator;
import com.moilioncircle.redis.replicator.io.RawByteListener;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * redis-replicator's RDB-file replicator over the spool, except for how single bytes reach the
 * raw-byte listeners: the library wraps each byte read alone (a value's type, most lengths) in a
 * new array for them, millions per copy; here a {@link ByteListener} takes the byte as it is.
 */
final class SpoolParser extends RedisReplicator {
    /** A raw-byte listener that also takes single bytes without an array. */
    interface ByteListener extends RawByteListener {
        void handle(byte b);
    }

    SpoolParser(InputStream spool) {
        super(spool, FileType.RDB, Configuration.defaultSetting());
        this.replicator = new Rdb(spool, Configuration.defaultSetting());
    }

    private static final class Rdb extends RedisRdbReplicator {
        Rdb(InputStream in, Configuration configuration) {
            super(in, configuration);
            this.inputStream = new Stream(in, configuration.getBufferSize());
            this.inputStream.setRawByteListeners(rawByteListeners);
        }
    }

    private static final class Stream extends RedisInputStream {
        Stream(InputStream in, int bufferSize) {
            super(in, bufferSize);
        }

        @Override
        public int read() throws IOException {
            if (head >= tail) {
                fill();
            }
            if (mark) {
                markLen++;
            }
            byte b = buf[head++];
            List<RawByteListener> listeners = rawByteListeners;
            if (listeners != null) {
                for (int i = 0, n = listeners.size(); i < n; i++) {
                    RawByteListener listener = listeners.get(i);
                    if (listener instanceof ByteListener single) {
                        single.handle(b);
                    } else {
                        listener.handle(b);
                    }
                }
            }
            return b & 0xff;
        }
    }
}

package dev.redismigrate.stream.scan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Changed keys waiting to be copied again, each once however often it changed, oldest first. Not
 * thread-safe: the copy loop alone uses it.
 */
final class PendingChanges {
    /** A key of a db; keys are binary, so equality is by content. */
    record DbKey(int db, byte[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof DbKey other && db == other.db && Arrays.equals(key, other.key);
        }

        @Override
        public int hashCode() {
            return 31 * db + Arrays.hashCode(key);
        }
    }

    /** key → when its first change not yet copied was captured (ms) */
    private final LinkedHashMap<DbKey, Long> pending = new LinkedHashMap<>();

    void add(int db, byte[] key, long capturedAtMillis) {
        pending.putIfAbsent(new DbKey(db, key), capturedAtMillis);
    }

    /** Takes up to {@code max} of the oldest. */
    List<DbKey> take(int max) {
        List<DbKey> batch = new ArrayList<>(Math.min(max, pending.size()));
        Iterator<Map.Entry<DbKey, Long>> it = pending.entrySet().iterator();
        while (it.hasNext() && batch.size() < max) {
            batch.add(it.next().getKey());
            it.remove();
        }
        return batch;
    }

    int size() {
        return pending.size();
    }

    /** Seconds since the oldest pending change was captured; 0 when none waits. */
    long oldestAgeSeconds(long nowMillis) {
        return pending.isEmpty() ? 0 : Math.max(0, (nowMillis - pending.values().iterator().next()) / 1000);
    }
}

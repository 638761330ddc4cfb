package dev.redismigrate.verification;

import dev.redismigrate.common.contract.VerifyReport;
import dev.redismigrate.common.value.KeyText;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a verification found so far: counts by kind and the first keys of each. Shared between the
 * verifying thread and the one that reports progress, hence synchronized.
 */
final class Findings {
    enum Kind {
        MISSING, EXTRA, TYPE, VALUE, TTL, UNSETTLED
    }

    /** beyond this, a key found twice (SCAN may return a key twice) is counted twice */
    private static final int REMEMBERED = 100_000;

    private final int listed;
    private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
    private final Map<Kind, List<VerifyReport.Key>> keys = new EnumMap<>(Kind.class);
    private final Set<ByteBuffer> reported = new HashSet<>();
    private long checked;
    private long rechecked;

    Findings(int listed) {
        this.listed = listed;
        for (Kind k : Kind.values()) {
            counts.put(k, 0L);
            keys.put(k, new ArrayList<>());
        }
    }

    synchronized void checked(long n) {
        checked += n;
    }

    synchronized void rechecked(long n) {
        rechecked += n;
    }

    synchronized long checked() {
        return checked;
    }

    /** Records a key found different in the end; a key already reported (in this db) is not counted again. */
    synchronized void found(Kind kind, int db, byte[] key) {
        ByteBuffer id = ByteBuffer.allocate(key.length + 4).putInt(db).put(key).flip();
        if (reported.contains(id)) {
            return;
        }
        if (reported.size() < REMEMBERED) {
            reported.add(id);
        }
        counts.merge(kind, 1L, Long::sum);
        List<VerifyReport.Key> named = keys.get(kind);
        if (named.size() < listed) {
            named.add(new VerifyReport.Key(db, KeyText.of(key)));
        }
    }

    synchronized long count(Kind kind) {
        return counts.get(kind);
    }

    synchronized VerifyReport.Mismatches mismatches() {
        return new VerifyReport.Mismatches(of(Kind.MISSING), of(Kind.EXTRA), of(Kind.TYPE), of(Kind.VALUE), of(Kind.TTL));
    }

    synchronized VerifyReport.Found unsettled() {
        return of(Kind.UNSETTLED);
    }

    synchronized long rechecked() {
        return rechecked;
    }

    private VerifyReport.Found of(Kind kind) {
        return new VerifyReport.Found(counts.get(kind), List.copyOf(keys.get(kind)));
    }
}

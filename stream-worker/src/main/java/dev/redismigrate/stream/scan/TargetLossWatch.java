package dev.redismigrate.stream.scan;

import dev.redismigrate.stream.IdleTargetWatch;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tells a target that lost keys copied to it, which the scan method's copies of changed keys (whole
 * values, no checkpoint in the target) would otherwise leave looking caught up: a part now served by
 * another server process than when the capture began (restarted, failed over), or, while no changed
 * key is being copied, a part whose keys without a TTL have all gone ({@link IdleTargetWatch}, as for
 * the replication stream: a {@code FLUSHALL} by someone else). The copier marks each write's begin and
 * end; a keyspace read that a write overlapped is not used. Checked by one timer.
 */
final class TargetLossWatch {
    private final TargetParts parts;
    /** each part's run_id when the capture began */
    private final Map<String, String> processes;
    private final IdleTargetWatch idle;
    private final String targetAddress;
    /** whether an emptied part should hold keys of this capture ({@link IdleTargetWatch#lost(Map, Function)}) */
    private final Function<String, Boolean> owed;
    private final AtomicLong writesBegun = new AtomicLong();
    private final AtomicLong writesEnded = new AtomicLong();
    /** the writes ended when the idle baseline was taken (-1: none) */
    private long baselineAt = -1;

    /** Reads the target's processes now: what later reads are held against. */
    TargetLossWatch(TargetParts parts, IdleTargetWatch idle, String targetAddress, Function<String, Boolean> owed) {
        this.parts = parts;
        this.owed = owed;
        this.processes = parts.processes();
        this.idle = idle;
        this.targetAddress = targetAddress;
    }

    /** The copier begins a write. */
    void writing() {
        writesBegun.incrementAndGet();
    }

    /** The copier's write ended (written or not). */
    void written() {
        writesEnded.incrementAndGet();
    }

    /**
     * @param quiet no changed key waits to be copied
     * @return why the target may have lost data, or null
     */
    String check(boolean quiet) {
        String changed = parts.changed(processes, parts.processes());
        if (changed != null) {
            return changed;
        }
        long begun = writesBegun.get();
        long ended = writesEnded.get();
        if (!quiet || begun != ended) {
            forget();
            return null;
        }
        Map<String, Map<String, String>> keyspaces = parts.keyspaces();
        if (writesBegun.get() != begun) { // a write began while the keyspace was read
            forget();
            return null;
        }
        if (baselineAt != ended) { // the first quiet read since a write: what the target holds now is the baseline
            idle.wentIdle(keyspaces);
            baselineAt = ended;
            return null;
        }
        String lost = idle.lost(keyspaces, owed);
        return lost == null ? null : "the target " + targetAddress + " lost its data while no changed key was copied: " + lost;
    }

    private void forget() {
        idle.forget();
        baselineAt = -1;
    }
}

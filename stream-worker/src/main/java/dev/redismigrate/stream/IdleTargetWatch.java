package dev.redismigrate.stream;

import dev.redismigrate.common.redis.Keyspace;
import java.util.Map;
import java.util.Set;

/**
 * Notices a target that lost its data while the stream was idle. An idle stream has moved its
 * checkpoint out of the target (so that the target equals the source), so a restart without
 * persistence, a failover to an empty node or a FLUSHALL leaves no missing checkpoint to tell it.
 * What the target held when the stream went idle tells it instead: keys without a TTL in the
 * migrated dbs, which only a command removes (and none was applied since), and now no key there
 * at all. (A target restarted from an older RDB keeps keys: that partial loss is not seen here.)
 */
final class IdleTargetWatch {
    private final Set<Integer> ignoreDbs;
    /** keys without a TTL in the migrated dbs when the stream last went idle */
    private long keysWithoutTtlWhenIdle;

    IdleTargetWatch(Set<Integer> ignoreDbs) {
        this.ignoreDbs = ignoreDbs;
    }

    /** The stream went idle (the checkpoint left the target): what the target holds now is the baseline. */
    void wentIdle(Map<String, String> targetKeyspace) {
        keysWithoutTtlWhenIdle = Keyspace.keysWithoutTtlOutside(targetKeyspace, ignoreDbs);
    }

    /** Commands were applied since the last baseline: none until the next {@link #wentIdle}. */
    void forget() {
        keysWithoutTtlWhenIdle = 0;
    }

    /** Whether the target, idle since {@link #wentIdle}, has lost what it held: null if not, else the evidence. */
    String lost(Map<String, String> targetKeyspace) {
        if (keysWithoutTtlWhenIdle > 0 && Keyspace.keysOutside(targetKeyspace, ignoreDbs) == 0) {
            return "its migrated dbs held " + keysWithoutTtlWhenIdle + " keys without a TTL when the stream went idle"
                    + " and now hold no key";
        }
        return null;
    }

    /** Why the stream stops: the target lost its data ({@code evidence} says how that shows). */
    static String reason(String targetAddress, String evidence) {
        return "the target " + targetAddress + " lost its data: " + evidence
                + " (a restart without persistence, a failover to an empty node, a FLUSHALL);"
                + " the stream stopped rather than leave it looking caught up: start the migration again";
    }
}

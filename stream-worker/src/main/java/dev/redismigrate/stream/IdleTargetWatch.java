package dev.redismigrate.stream;

import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.selection.MigratedKeys;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Notices a target that lost its data while the stream was idle. An idle stream has moved its
 * checkpoint out of the target (so that the target equals the source), so a restart without
 * persistence, a failover to an empty node or a FLUSHALL leaves no missing checkpoint to tell it.
 * What the target held when the stream went idle tells it instead: keys without a TTL in the
 * migrated dbs, which only a command removes (and none was applied since), and now no key there
 * at all. (A target restarted from an older RDB keeps keys: that partial loss is not seen here.)
 */
final class IdleTargetWatch {
    private final MigratedKeys keys;
    /** keys without a TTL in the migrated dbs when the stream last went idle */
    private long keysWithoutTtlWhenIdle;

    IdleTargetWatch(MigratedKeys keys) {
        this.keys = keys;
    }

    /** The target's keyspace lines of the dbs the migration writes into ({@code db_map} applied). */
    private Map<String, String> received(Map<String, String> targetKeyspace) {
        Map<String, String> received = new TreeMap<>();
        targetKeyspace.forEach((name, line) -> {
            if (name.matches("db\\d+") && keys.receives(Integer.parseInt(name.substring(2)))) {
                received.put(name, line);
            }
        });
        return received;
    }

    /** The stream went idle (the checkpoint left the target): what the target holds now is the baseline. */
    void wentIdle(Map<String, String> targetKeyspace) {
        keysWithoutTtlWhenIdle = Keyspace.keysWithoutTtlOutside(received(targetKeyspace), Set.of());
    }

    /** Commands were applied since the last baseline: none until the next {@link #wentIdle}. */
    void forget() {
        keysWithoutTtlWhenIdle = 0;
    }

    /** Whether the target, idle since {@link #wentIdle}, has lost what it held: null if not, else the evidence. */
    String lost(Map<String, String> targetKeyspace) {
        if (keysWithoutTtlWhenIdle > 0 && Keyspace.keysOutside(received(targetKeyspace), Set.of()) == 0) {
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

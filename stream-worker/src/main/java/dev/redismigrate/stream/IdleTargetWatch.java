package dev.redismigrate.stream;

import dev.redismigrate.common.cluster.ClusterShard;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.selection.MigratedKeys;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Notices a target that lost its data while the stream was idle. An idle stream has moved its
 * checkpoint out of the target (so that the target equals the source), so a restart without
 * persistence, a failover to an empty node or a FLUSHALL leaves no missing checkpoint to tell it.
 * What the target held when the stream went idle tells it instead: keys without a TTL in the
 * migrated dbs, which only a command removes (and none was applied since), and now no key there
 * at all. Told per part of the target that loses its data on its own: the one server of a
 * standalone target, each shard of a cluster (one master restarted empty while the others keep
 * theirs). (A target restarted from an older RDB keeps keys: that partial loss is not seen here.)
 */
public final class IdleTargetWatch {
    /** the name of a standalone target's one part */
    public static final String WHOLE = "";
    private static final String PART_PREFIX = "shard of slots ";

    private final MigratedKeys keys;
    /** per part: keys without a TTL in the migrated dbs when the stream last went idle */
    private Map<String, Long> keysWithoutTtlWhenIdle = Map.of();

    public IdleTargetWatch(MigratedKeys keys) {
        this.keys = keys;
    }

    /** The name of a cluster target's shard as a part: by its slots, which a failover does not change. */
    public static String part(ClusterShard shard) {
        return PART_PREFIX + shard.slots().stream().map(SlotRange::toString).collect(Collectors.joining(","));
    }

    /** The slots a part serves ({@link #part}); null for a standalone target's one part: every slot. */
    public static BitSet slotsOf(String part) {
        return part.equals(WHOLE) ? null : SlotRange.parse(part.substring(PART_PREFIX.length()));
    }

    /** A standalone target's INFO keyspace as its one part. */
    public static Map<String, Map<String, String>> whole(Map<String, String> keyspace) {
        return Map.of(WHOLE, keyspace);
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

    /**
     * The stream went idle (the checkpoint left the target): what each part holds now is the baseline.
     * @param keyspaces INFO keyspace per part ({@link StreamApplier#targetKeyspaces})
     */
    public void wentIdle(Map<String, Map<String, String>> keyspaces) {
        Map<String, Long> held = new LinkedHashMap<>();
        keyspaces.forEach((part, keyspace) -> held.put(part, Keyspace.keysWithoutTtlOutside(received(keyspace), Set.of())));
        keysWithoutTtlWhenIdle = held;
    }

    /** Commands were applied since the last baseline: none until the next {@link #wentIdle}. */
    public void forget() {
        keysWithoutTtlWhenIdle = Map.of();
    }

    /**
     * Whether a part of the target, idle since {@link #wentIdle}, has lost what it held: null if not, else
     * the evidence. A part not in {@code keyspaces} (a shard whose slots are now served otherwise) is not judged.
     */
    public String lost(Map<String, Map<String, String>> keyspaces) {
        return lost(keyspaces, part -> Boolean.TRUE);
    }

    /**
     * As {@link #lost(Map)}, a part emptied judged lost only if {@code owed} says it should still hold keys of
     * this stream (true), not if it should not (false: its new baseline), and not now if that is not known now
     * (null): a cluster source's shard streams into parts that other shards' streams write too, and another
     * shard's flush empties a part lawfully (its stream applied the flush; this one did not).
     */
    public String lost(Map<String, Map<String, String>> keyspaces, Function<String, Boolean> owed) {
        for (Map.Entry<String, Long> held : keysWithoutTtlWhenIdle.entrySet()) {
            Map<String, String> now = keyspaces.get(held.getKey());
            if (held.getValue() > 0 && now != null && Keyspace.keysOutside(received(now), Set.of()) == 0) {
                Boolean owes = owed.apply(held.getKey());
                if (owes == null) {
                    continue; // not judged now
                }
                if (!owes) {
                    held.setValue(0L); // emptied lawfully: its new baseline (asked once, not at every tick)
                    continue;
                }
                return held.getKey().equals(WHOLE)
                        ? "its migrated dbs held " + held.getValue() + " keys without a TTL when the stream went idle and now hold no key"
                        : "its " + held.getKey() + " held " + held.getValue()
                                + " keys without a TTL when the stream went idle and now holds no key";
            }
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

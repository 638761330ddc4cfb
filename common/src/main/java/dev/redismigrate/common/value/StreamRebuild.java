package dev.redismigrate.common.value;

import static dev.redismigrate.common.value.Replies.argv;
import static dev.redismigrate.common.value.Replies.text;

import dev.redismigrate.common.redis.RedisAccessException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Turns a stream read by {@code XINFO STREAM key FULL COUNT 0} (one command: entries, last id, each
 * group with its pending entries and consumers, all of one moment) into the commands that rebuild it:
 * XADD with ids; per group XGROUP CREATE at its last delivered id, XGROUP CREATECONSUMER for every
 * consumer (also those with nothing pending) and one XCLAIM per pending entry that sets its consumer,
 * delivery count (RETRYCOUNT; JUSTID leaves it as set) and last delivery time (TIME, absolute, so that
 * time spent in the pipeline towards the target does not shorten its idle time), FORCE creating it;
 * then XSETID to the last id.
 *
 * <p>A pending entry whose stream entry was deleted (XDEL) stays pending on the source, but XCLAIM
 * on Redis 7.0 and Valkey 8 ignores an id that is not in the stream (and drops it from the PEL if it
 * was there). So such an id is added as a placeholder entry among the others (in id order, as XADD
 * demands), claimed, and deleted again after the claims: the PEL keeps it, as on the source.
 *
 * <p>Not rebuilt: a group's entries-read and lag, the stream's entries-added and max-deleted-entry-id
 * (older targets lack ENTRIESREAD / ENTRIESADDED), and consumers' seen and active times; the verifier
 * does not compare them either.
 */
final class StreamRebuild {
    private static final byte[] PLACEHOLDER_FIELD = "deleted".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private StreamRebuild() {
    }

    /**
     * @param full          the reply to XINFO STREAM key FULL COUNT 0
     * @param sourceMillis  the source's clock (TIME) when it was read, for pending entries' idle times
     * @param readAtMillis  this process's clock when it was read, to which the idle times are applied
     */
    static void commands(List<byte[][]> commands, byte[] key, List<?> full, long sourceMillis, long readAtMillis) {
        List<?> entries = (List<?>) field(full, "entries");
        List<?> groups = (List<?>) field(full, "groups");
        String lastId = text(field(full, "last-generated-id"));
        List<String> placeholders = deletedPendingIds(groups, entries, StreamId.parse(lastId));
        addEntries(commands, key, entries, placeholders);
        boolean created = !entries.isEmpty() || !placeholders.isEmpty();
        for (Object g : groups) {
            List<?> group = (List<?>) g;
            Object name = field(group, "name");
            // a stream without entries is created by its first group
            commands.add(created ? argv("XGROUP", "CREATE", key, name, field(group, "last-delivered-id"))
                    : argv("XGROUP", "CREATE", key, name, field(group, "last-delivered-id"), "MKSTREAM"));
            created = true;
            for (Object c : (List<?>) field(group, "consumers")) {
                commands.add(argv("XGROUP", "CREATECONSUMER", key, name, field((List<?>) c, "name")));
            }
            for (Object p : (List<?>) field(group, "pending")) {
                // id, consumer, last delivery time (source clock, ms), delivery count
                List<?> pending = (List<?>) p;
                long idle = Math.max(0, sourceMillis - (Long) pending.get(2));
                commands.add(argv("XCLAIM", key, name, pending.get(1), "0", pending.get(0),
                        "TIME", Long.toString(readAtMillis - idle), "RETRYCOUNT", pending.get(3), "FORCE", "JUSTID"));
            }
        }
        TypeWiseReader.chunks(commands, "XDEL", key, placeholders, 1);
        boolean placeholder = !created;
        if (placeholder) {
            // nor entries nor groups: an entry added and removed creates it (its id 0-1 is set back below)
            commands.add(argv("XADD", key, "0-1", "f", "v"));
            commands.add(argv("XDEL", key, "0-1"));
        }
        if (placeholder || !"0-0".equals(lastId)) {
            commands.add(argv("XSETID", key, lastId));
        }
    }

    /** Pending ids of all groups that are no longer entries, in id order (none past the last id: XSETID would refuse). */
    private static List<String> deletedPendingIds(List<?> groups, List<?> entries, StreamId lastId) {
        TreeSet<StreamId> pending = new TreeSet<>();
        for (Object g : groups) {
            for (Object p : (List<?>) field((List<?>) g, "pending")) {
                StreamId id = StreamId.parse(text(((List<?>) p).get(0)));
                if (id.compareTo(StreamId.ZERO) > 0 && id.compareTo(lastId) <= 0) {
                    pending.add(id);
                }
            }
        }
        for (Object e : entries) {
            if (pending.isEmpty()) {
                break;
            }
            pending.remove(StreamId.parse(text(((List<?>) e).get(0))));
        }
        List<String> out = new ArrayList<>(pending.size());
        for (StreamId id : pending) {
            out.add(id.toString());
        }
        return out;
    }

    /** The entries with their ids, and the placeholders in between where their ids fall. */
    private static void addEntries(List<byte[][]> commands, byte[] key, List<?> entries, List<String> placeholders) {
        int next = 0;
        for (Object e : entries) {
            List<?> entry = (List<?>) e;
            StreamId id = StreamId.parse(text(entry.get(0)));
            while (next < placeholders.size() && StreamId.parse(placeholders.get(next)).compareTo(id) < 0) {
                commands.add(argv("XADD", key, placeholders.get(next++), PLACEHOLDER_FIELD, EMPTY));
            }
            List<?> fields = (List<?>) entry.get(1);
            Object[] args = new Object[fields.size() + 2];
            args[0] = key;
            args[1] = entry.get(0);
            for (int i = 0; i < fields.size(); i++) {
                args[i + 2] = fields.get(i);
            }
            commands.add(argv("XADD", args));
        }
        while (next < placeholders.size()) {
            commands.add(argv("XADD", key, placeholders.get(next++), PLACEHOLDER_FIELD, EMPTY));
        }
    }

    /** The value after {@code name} in a flat name/value reply. */
    static Object field(List<?> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (name.equals(text(flat.get(i)))) {
                return flat.get(i + 1);
            }
        }
        throw new RedisAccessException("XINFO did not say " + name);
    }

    /** A stream id, ordered as the server orders them (both parts unsigned). */
    private record StreamId(long ms, long seq) implements Comparable<StreamId> {
        static final StreamId ZERO = new StreamId(0, 0);

        static StreamId parse(String id) {
            int dash = id.indexOf('-');
            try {
                return dash < 0 ? new StreamId(Long.parseUnsignedLong(id), 0)
                        : new StreamId(Long.parseUnsignedLong(id.substring(0, dash)), Long.parseUnsignedLong(id.substring(dash + 1)));
            } catch (NumberFormatException e) {
                throw new RedisAccessException("the source gave a stream id that is not one: " + id);
            }
        }

        @Override
        public int compareTo(StreamId o) {
            int c = Long.compareUnsigned(ms, o.ms);
            return c != 0 ? c : Long.compareUnsigned(seq, o.seq);
        }

        @Override
        public String toString() {
            return Long.toUnsignedString(ms) + "-" + Long.toUnsignedString(seq);
        }
    }
}

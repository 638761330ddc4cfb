package dev.redismigrate.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a migration must carry over of a stream beyond its entries, which is what {@code DEBUG DIGEST}
 * hashes: the last generated id and length (XINFO STREAM), each consumer group's name, last delivered id,
 * pending count and consumers (XINFO GROUPS), each consumer's name and pending count (XINFO CONSUMERS), and
 * the pending entries (XPENDING: the summary, then each entry's id, owner and delivery count). Idle times,
 * entries-read and lag are left out: they depend on when and how the history was written, not on the data.
 * Read with redis-cli (raw output: one reply element a line), so names must not hold a line break.
 */
public record StreamState(int db, String key, String lastGeneratedId, long length, List<Group> groups) {
    private static final Pattern KEYSPACE_DB = Pattern.compile("^db(\\d+):", Pattern.MULTILINE);

    public record Group(String name, String lastDeliveredId, long pending, List<Consumer> consumers,
                        List<String> pendingSummary, List<PendingEntry> pendingEntries) {
    }

    public record Consumer(String name, long pending) {
    }

    public record PendingEntry(String id, String consumer, long deliveries) {
    }

    /**
     * Fails (AssertionError, both sides' states in the message) unless the target holds exactly the
     * source's streams, in every db, in all the respects above; also fails when the source holds none,
     * so that a test cannot pass by comparing nothing.
     */
    public static void assertSameStreams(RedisServer source, RedisServer target) {
        List<StreamState> expected = all(source);
        if (expected.isEmpty()) {
            throw new AssertionError("the source holds no stream: nothing would be compared");
        }
        List<StreamState> actual = all(target);
        if (!expected.equals(actual)) {
            throw new AssertionError("streams differ\n source: " + expected + "\n target: " + actual);
        }
    }

    /** Every stream of every db of the server, in db then key order. */
    public static List<StreamState> all(RedisServer server) {
        List<StreamState> streams = new ArrayList<>();
        Matcher db = KEYSPACE_DB.matcher(server.cli("INFO", "keyspace"));
        while (db.find()) {
            int n = Integer.parseInt(db.group(1));
            streamKeys(server, n).stream().sorted().forEach(key -> streams.add(read(server, n, key)));
        }
        return streams;
    }

    /** One stream's state. */
    public static StreamState read(RedisServer server, int db, String key) {
        String dbArg = Integer.toString(db);
        List<String> info = lines(server.cli("-n", dbArg, "XINFO", "STREAM", key));
        // top-level fields come before first-entry/last-entry, whose field names could repeat them
        String lastId = valueAfter(info, "last-generated-id", 0);
        long length = Long.parseLong(valueAfter(info, "length", 0));
        List<Group> groups = new ArrayList<>();
        List<String> groupInfo = lines(server.cli("-n", dbArg, "XINFO", "GROUPS", key));
        for (int at = groupInfo.indexOf("name"); at >= 0; at = indexOf(groupInfo, "name", at + 2)) {
            String name = groupInfo.get(at + 1);
            groups.add(new Group(name, valueAfter(groupInfo, "last-delivered-id", at),
                    Long.parseLong(valueAfter(groupInfo, "pending", at)), consumers(server, dbArg, key, name),
                    lines(server.cli("-n", dbArg, "XPENDING", key, name)), pendingEntries(server, dbArg, key, name)));
        }
        return new StreamState(db, key, lastId, length, groups);
    }

    private static List<Consumer> consumers(RedisServer server, String db, String key, String group) {
        List<String> info = lines(server.cli("-n", db, "XINFO", "CONSUMERS", key, group));
        List<Consumer> consumers = new ArrayList<>();
        for (int at = info.indexOf("name"); at >= 0; at = indexOf(info, "name", at + 2)) {
            consumers.add(new Consumer(info.get(at + 1), Long.parseLong(valueAfter(info, "pending", at))));
        }
        return consumers;
    }

    private static List<PendingEntry> pendingEntries(RedisServer server, String db, String key, String group) {
        // each entry: id, consumer, idle ms (left out), delivery count
        List<String> reply = lines(server.cli("-n", db, "XPENDING", key, group, "-", "+", "100000"));
        List<PendingEntry> entries = new ArrayList<>();
        for (int i = 0; i + 3 < reply.size(); i += 4) {
            entries.add(new PendingEntry(reply.get(i), reply.get(i + 1), Long.parseLong(reply.get(i + 3))));
        }
        return entries;
    }

    private static List<String> streamKeys(RedisServer server, int db) {
        List<String> keys = new ArrayList<>();
        String cursor = "0";
        do {
            List<String> page = lines(server.cli("-n", Integer.toString(db), "SCAN", cursor, "COUNT", "1000", "TYPE", "stream"));
            cursor = page.get(0);
            // an empty page prints as one empty line (so an empty key name is not looked at)
            page.subList(1, page.size()).stream().filter(key -> !key.isEmpty()).forEach(keys::add);
        } while (!cursor.equals("0"));
        return keys;
    }

    /** The value that follows the first {@code name} at or after {@code from} in a flat name/value reply. */
    private static String valueAfter(List<String> reply, String name, int from) {
        for (int i = from; i + 1 < reply.size(); i += 2) {
            if (reply.get(i).equals(name)) {
                return reply.get(i + 1);
            }
        }
        throw new IllegalStateException("no " + name + " in " + reply);
    }

    private static int indexOf(List<String> reply, String name, int from) {
        for (int i = from; i < reply.size(); i += 2) {
            if (reply.get(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static List<String> lines(String output) {
        if (output.startsWith("ERR") || output.startsWith("WRONGTYPE") || output.startsWith("NOAUTH")) {
            throw new IllegalStateException("redis-cli: " + output.trim());
        }
        return output.lines().toList();
    }
}

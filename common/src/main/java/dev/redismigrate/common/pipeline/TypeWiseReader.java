package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads keys of a source's selected db type by type (GET, HGETALL, LRANGE, SMEMBERS, ZRANGE
 * WITHSCORES, XRANGE with the stream's last id and its groups) and turns each into the commands
 * that rebuild it on a target: DEL, the type's own write commands in chunks, PEXPIREAT. For a target
 * that cannot load the source's DUMP format (an older Redis). A stream's consumer groups are
 * created at their last delivered id; their pending entries and consumers are not rebuilt.
 */
public final class TypeWiseReader {
    /** Elements per write command, so that no single command grows without bound. */
    private static final int CHUNK = 500;

    private TypeWiseReader() {
    }

    /**
     * @return for each key, in order: its commands; null when the key no longer exists; an empty list
     *         when it changed type between the reads (a later change notice brings it again)
     * @throws RedisAccessException when the source refuses or does not answer, or holds a type this
     *         cannot rebuild (a module's)
     */
    public static List<List<byte[][]>> read(RedisLink source, List<byte[]> keys, Duration timeout) {
        List<CompletableFuture<Object>> types = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            types.add(source.queue(argv("TYPE", key)));
        }
        source.sendQueued();
        List<String> typeNames = new ArrayList<>(keys.size());
        List<List<CompletableFuture<Object>>> values = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            String type = text(DumpReader.await(source, types.get(i), timeout));
            typeNames.add(type);
            values.add(queueReads(source, keys.get(i), type));
        }
        source.sendQueued();
        List<List<byte[][]>> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            out.add(rebuild(source, keys.get(i), typeNames.get(i), values.get(i), timeout));
        }
        return out;
    }

    private static List<CompletableFuture<Object>> queueReads(RedisLink source, byte[] key, String type) {
        List<CompletableFuture<Object>> reads = new ArrayList<>();
        switch (type) {
            case "none" -> {
                return reads;
            }
            case "string" -> reads.add(source.queue(argv("GET", key)));
            case "hash" -> reads.add(source.queue(argv("HGETALL", key)));
            case "list" -> reads.add(source.queue(argv("LRANGE", key, "0", "-1")));
            case "set" -> reads.add(source.queue(argv("SMEMBERS", key)));
            case "zset" -> reads.add(source.queue(argv("ZRANGE", key, "0", "-1", "WITHSCORES")));
            case "stream" -> {
                reads.add(source.queue(argv("XRANGE", key, "-", "+")));
                reads.add(source.queue(argv("XINFO", "STREAM", key)));
                reads.add(source.queue(argv("XINFO", "GROUPS", key)));
            }
            default -> throw new RedisAccessException("a key of type " + type + " (a module's) cannot be copied type by type");
        }
        reads.add(source.queue(argv("PTTL", key)));
        return reads;
    }

    private static List<byte[][]> rebuild(RedisLink source, byte[] key, String type, List<CompletableFuture<Object>> reads,
            Duration timeout) {
        if (reads.isEmpty()) {
            return null;
        }
        List<Object> replies = new ArrayList<>(reads.size());
        try {
            for (CompletableFuture<Object> r : reads) {
                replies.add(DumpReader.await(source, r, timeout));
            }
        } catch (RedisAccessException e) {
            if (e.getMessage().contains("WRONGTYPE")) {
                return List.of();
            }
            throw e;
        }
        long pttl = (Long) replies.get(replies.size() - 1);
        if (pttl == -2 || replies.get(0) == null) {
            return null;
        }
        long readAt = System.currentTimeMillis();
        List<byte[][]> commands = new ArrayList<>();
        commands.add(argv("DEL", key));
        switch (type) {
            case "string" -> commands.add(argv("SET", key, replies.get(0)));
            case "hash" -> chunks(commands, "HSET", key, (List<?>) replies.get(0), 2);
            case "list" -> chunks(commands, "RPUSH", key, (List<?>) replies.get(0), 1);
            case "set" -> chunks(commands, "SADD", key, (List<?>) replies.get(0), 1);
            case "zset" -> chunks(commands, "ZADD", key, scoreFirst((List<?>) replies.get(0)), 2);
            default -> stream(commands, key, (List<?>) replies.get(0), (List<?>) replies.get(1), (List<?>) replies.get(2));
        }
        if (pttl >= 0) {
            commands.add(argv("PEXPIREAT", key, Long.toString(readAt + pttl)));
        }
        return commands;
    }

    /** ZRANGE WITHSCORES gives member, score; ZADD takes score, member. */
    private static List<Object> scoreFirst(List<?> memberScores) {
        List<Object> out = new ArrayList<>(memberScores.size());
        for (int i = 0; i + 1 < memberScores.size(); i += 2) {
            out.add(memberScores.get(i + 1));
            out.add(memberScores.get(i));
        }
        return out;
    }

    private static void chunks(List<byte[][]> commands, String command, byte[] key, List<?> items, int perElement) {
        int step = CHUNK * perElement;
        for (int from = 0; from < items.size(); from += step) {
            List<?> part = items.subList(from, Math.min(items.size(), from + step));
            Object[] args = new Object[part.size() + 1];
            args[0] = key;
            for (int i = 0; i < part.size(); i++) {
                args[i + 1] = part.get(i);
            }
            commands.add(argv(command, args));
        }
    }

    /** Entries with their ids, each group at its last delivered id, and the last id (XSETID). */
    private static void stream(List<byte[][]> commands, byte[] key, List<?> entries, List<?> info, List<?> groups) {
        for (Object e : entries) {
            List<?> entry = (List<?>) e;
            List<?> fields = (List<?>) entry.get(1);
            Object[] args = new Object[fields.size() + 2];
            args[0] = key;
            args[1] = entry.get(0);
            for (int i = 0; i < fields.size(); i++) {
                args[i + 2] = fields.get(i);
            }
            commands.add(argv("XADD", args));
        }
        String lastId = text(field(info, "last-generated-id"));
        boolean created = !entries.isEmpty();
        for (Object g : groups) {
            List<?> group = (List<?>) g;
            // a stream without entries is created by its first group
            commands.add(created ? argv("XGROUP", "CREATE", key, field(group, "name"), field(group, "last-delivered-id"))
                    : argv("XGROUP", "CREATE", key, field(group, "name"), field(group, "last-delivered-id"), "MKSTREAM"));
            created = true;
        }
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

    /** The value after {@code name} in a flat name/value reply. */
    private static Object field(List<?> flat, String name) {
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            if (name.equals(text(flat.get(i)))) {
                return flat.get(i + 1);
            }
        }
        throw new RedisAccessException("XINFO did not say " + name);
    }

    private static byte[][] argv(String command, Object... args) {
        byte[][] argv = new byte[args.length + 1][];
        argv[0] = command.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < args.length; i++) {
            argv[i + 1] = args[i] instanceof byte[] b ? b : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(reply);
    }
}

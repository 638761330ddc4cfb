package dev.redismigrate.common.value;

import static dev.redismigrate.common.value.Replies.argv;
import static dev.redismigrate.common.value.Replies.text;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads keys of a source's selected db type by type (GET, HGETALL, LRANGE, SMEMBERS, ZRANGE
 * WITHSCORES, XINFO STREAM FULL) and turns each into the commands that rebuild it on a target: DEL,
 * the type's own write commands in chunks, PEXPIREAT. For a target that cannot load the source's
 * DUMP format (an older Redis). A stream is rebuilt with its entries, last id and consumer groups,
 * each at its last delivered id with its consumers and pending entries (consumer, delivery count,
 * idle time; also those whose entry was deleted): see {@link StreamRebuild}.
 */
public final class TypeWiseReader {
    /** Elements per write command, so that no single command grows without bound. */
    static final int CHUNK = 500;

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
                // one command, so entries, groups, pending entries and consumers are of one moment
                reads.add(source.queue(argv("XINFO", "STREAM", key, "FULL", "COUNT", "0")));
                reads.add(source.queue(argv("TIME")));
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
            if (e.getMessage().contains("no such key")) {
                return null; // XINFO STREAM on a stream deleted since TYPE
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
            default -> StreamRebuild.commands(commands, key, (List<?>) replies.get(0), millis((List<?>) replies.get(1)), readAt);
        }
        if (pttl >= 0) {
            commands.add(argv("PEXPIREAT", key, Long.toString(readAt + pttl)));
        }
        return commands;
    }

    /** TIME's seconds and microseconds as milliseconds. */
    private static long millis(List<?> time) {
        return Long.parseLong(text(time.get(0))) * 1000 + Long.parseLong(text(time.get(1))) / 1000;
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

    /** {@code command key item...} over {@code items}, {@link #CHUNK} elements of {@code perElement} items per command. */
    static void chunks(List<byte[][]> commands, String command, byte[] key, List<?> items, int perElement) {
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

}

package dev.redismigrate.system;

import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Compares two servers key by key by what the data means, whatever their families: {@code DEBUG
 * DIGEST} cannot compare Redis 7.0 with Valkey 8 (each hashes a sorted set's scores as it prints
 * them, and the two print doubles differently), and the service's own verifier is what is under
 * test, so this reading is independent of both: TYPE, the expiry (within 1 s), and the value read
 * type by type, a sorted set's scores compared as doubles. A stream is compared by its entries and
 * its groups' last delivered ids (consumers and pending entries: {@code StreamState}).
 */
final class KeyByKey implements AutoCloseable {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int BATCH = 500;
    private static final long TTL_SLACK_MS = 1_000;

    private final RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), TIMEOUT, 1);
    private final RedisLink source;
    private final RedisLink target;

    /** One key as read: its type, when it expires (epoch ms, -1 for never) and its value. */
    record Key(String type, long expiresAt, Object value) {
    }

    /** @param differences one line per key that differs (at most 20), empty when all are equal */
    record Comparison(int keysCompared, List<String> differences) {
    }

    KeyByKey(RedisServer sourceServer, RedisServer targetServer) {
        source = open(sourceServer, "test-compare-source");
        target = open(targetServer, "test-compare-target");
    }

    private RedisLink open(RedisServer server, String name) {
        return connector.open(new RedisEndpoint(server.host(), server.port(), null, CIPHER.seal(server.password()), false), name);
    }

    /** Up to 20 differences in all: each key of either side that the other lacks or holds otherwise. */
    private static void addDifferences(List<String> differences, String db, Map<String, Key> expected, Map<String, Key> actual) {
        TreeSet<String> names = new TreeSet<>(expected.keySet());
        names.addAll(actual.keySet());
        for (String name : names) {
            String difference = difference(expected.get(name), actual.get(name));
            if (difference != null && differences.size() < 20) {
                differences.add(db + " " + printable(name) + ": " + difference);
            }
        }
    }

    /**
     * Compares {@code dbs} until every key is equal (the stream may still be applying), for at most
     * a minute; @return how many keys were compared the last time
     */
    static int awaitEqual(RedisServer source, RedisServer target, int... dbs) throws InterruptedException {
        try (KeyByKey keys = new KeyByKey(source, target)) {
            AtomicReference<Comparison> last = new AtomicReference<>();
            Await.until(Duration.ofSeconds(60), () -> {
                last.set(keys.compare(dbs));
                return last.get().differences().isEmpty();
            }, () -> "every key equal (type, TTL, value), differences: " + last.get().differences());
            return last.get().keysCompared();
        }
    }

    Comparison compare(int... dbs) {
        int compared = 0;
        List<String> differences = new ArrayList<>();
        for (int db : dbs) {
            Map<String, Key> expected = read(source, db);
            Map<String, Key> actual = read(target, db);
            compared += expected.size();
            addDifferences(differences, "db" + db, expected, actual);
        }
        return new Comparison(compared, differences);
    }

    /**
     * The target against a reference computed on the source: for each target db, the keys of the source
     * dbs that go there which {@code keys} selects (the pure matcher the workers use), against every key
     * the target db holds but the stream's checkpoint.
     *
     * @param selected counts the reference's keys, per target db
     */
    Comparison compareSelected(MigratedKeys keys, int sourceDatabases, Map<Integer, Integer> selected) {
        int compared = 0;
        List<String> differences = new ArrayList<>();
        for (int targetDb : keys.targetDbs(sourceDatabases)) {
            Map<String, Key> expected = new TreeMap<>();
            for (int sourceDb : keys.sourcesOf(targetDb, sourceDatabases)) {
                read(source, sourceDb).forEach((name, key) -> {
                    if (keys.selects(name.getBytes(StandardCharsets.ISO_8859_1))) {
                        expected.put(name, key);
                    }
                });
            }
            Map<String, Key> actual = read(target, targetDb);
            actual.keySet().removeIf(name -> name.startsWith("redis-migrate:checkpoint:"));
            selected.put(targetDb, expected.size());
            compared += expected.size();
            addDifferences(differences, "target db" + targetDb, expected, actual);
        }
        return new Comparison(compared, differences);
    }

    private static String difference(Key expected, Key actual) {
        if (expected == null || actual == null) {
            return expected == null ? "extra on the target" : "missing on the target";
        }
        if (!expected.type().equals(actual.type())) {
            return "type " + expected.type() + " vs " + actual.type();
        }
        boolean ttlEqual = expected.expiresAt() < 0 ? actual.expiresAt() < 0
                : actual.expiresAt() >= 0 && Math.abs(expected.expiresAt() - actual.expiresAt()) <= TTL_SLACK_MS;
        if (!ttlEqual) {
            return "expires at " + expected.expiresAt() + " vs " + actual.expiresAt();
        }
        return Objects.equals(expected.value(), actual.value()) ? null : "value " + expected.value() + " vs " + actual.value();
    }

    /** Every key of {@code db} (names as ISO-8859-1 text: one char per byte, so binary names compare exactly). */
    private static Map<String, Key> read(RedisLink link, int db) {
        await(link.send(argv("SELECT", db)));
        List<byte[]> names = new ArrayList<>();
        String cursor = "0";
        do {
            List<?> page = (List<?>) await(link.send(argv("SCAN", cursor, "COUNT", 1000)));
            cursor = text(page.get(0));
            ((List<?>) page.get(1)).forEach(name -> names.add((byte[]) name));
        } while (!"0".equals(cursor));
        Map<String, Key> keys = new TreeMap<>();
        for (int from = 0; from < names.size(); from += BATCH) {
            keys.putAll(readBatch(link, names.subList(from, Math.min(names.size(), from + BATCH))));
        }
        return keys;
    }

    private static Map<String, Key> readBatch(RedisLink link, List<byte[]> names) {
        List<CompletableFuture<Object>> types = new ArrayList<>();
        names.forEach(name -> types.add(link.queue(argv("TYPE", name))));
        link.sendQueued();
        List<String> typeNames = new ArrayList<>();
        List<List<CompletableFuture<Object>>> reads = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String type = text(await(types.get(i)));
            typeNames.add(type);
            reads.add(queueReads(link, names.get(i), type));
        }
        link.sendQueued();
        Map<String, Key> keys = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            List<CompletableFuture<Object>> replies = reads.get(i);
            if (replies.isEmpty()) {
                continue; // gone between SCAN and TYPE
            }
            long pttl = (Long) await(replies.get(0));
            long readAt = System.currentTimeMillis();
            List<Object> values = new ArrayList<>();
            for (CompletableFuture<Object> reply : replies.subList(1, replies.size())) {
                values.add(await(reply));
            }
            if (pttl == -2 || values.get(0) == null) {
                continue; // expired meanwhile
            }
            keys.put(new String(names.get(i), StandardCharsets.ISO_8859_1),
                    new Key(typeNames.get(i), pttl < 0 ? -1 : readAt + pttl, value(typeNames.get(i), values)));
        }
        return keys;
    }

    /** PTTL first, then the reads of the value. */
    private static List<CompletableFuture<Object>> queueReads(RedisLink link, byte[] name, String type) {
        if ("none".equals(type)) {
            return List.of();
        }
        List<CompletableFuture<Object>> reads = new ArrayList<>(List.of(link.queue(argv("PTTL", name))));
        switch (type) {
            case "string" -> reads.add(link.queue(argv("GET", name)));
            case "hash" -> reads.add(link.queue(argv("HGETALL", name)));
            case "list" -> reads.add(link.queue(argv("LRANGE", name, 0, -1)));
            case "set" -> reads.add(link.queue(argv("SMEMBERS", name)));
            case "zset" -> reads.add(link.queue(argv("ZRANGE", name, 0, -1, "WITHSCORES")));
            case "stream" -> {
                reads.add(link.queue(argv("XRANGE", name, "-", "+")));
                reads.add(link.queue(argv("XINFO", "GROUPS", name)));
            }
            default -> throw new AssertionError("a key of type " + type + " this comparison does not know");
        }
        return reads;
    }

    private static Object value(String type, List<Object> replies) {
        List<?> items = replies.get(0) instanceof List<?> list ? list : List.of();
        return switch (type) {
            case "string" -> text(replies.get(0));
            case "hash" -> pairs(items, false);
            case "list" -> items.stream().map(KeyByKey::text).toList();
            case "set" -> new TreeSet<>(items.stream().map(KeyByKey::text).toList());
            case "zset" -> pairs(items, true);
            default -> List.of(entries(items), groups((List<?>) replies.get(1)));
        };
    }

    /** Flat name/value pairs as a map; a sorted set's scores as doubles (in the servers' order). */
    private static Map<String, Object> pairs(List<?> flat, boolean scores) {
        Map<String, Object> map = scores ? new LinkedHashMap<>() : new TreeMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            String value = text(flat.get(i + 1));
            map.put(text(flat.get(i)), scores ? score(value) : value);
        }
        return map;
    }

    /** A score as the server printed it: Redis 7.0 with %.17g, Valkey 8 the shortest round trip; both exact. */
    static double score(String text) {
        return switch (text) {
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    private static List<String> entries(List<?> xrange) {
        List<String> entries = new ArrayList<>();
        for (Object e : xrange) {
            List<?> entry = (List<?>) e;
            entries.add(text(entry.get(0)) + " " + ((List<?>) entry.get(1)).stream().map(KeyByKey::text).toList());
        }
        return entries;
    }

    /** Each group's name and last delivered id. */
    private static List<String> groups(List<?> xinfoGroups) {
        List<String> groups = new ArrayList<>();
        for (Object g : xinfoGroups) {
            Map<String, Object> fields = new TreeMap<>();
            List<?> flat = (List<?>) g;
            for (int i = 0; i + 1 < flat.size(); i += 2) {
                fields.put(text(flat.get(i)), flat.get(i + 1));
            }
            groups.add(text(fields.get("name")) + "@" + text(fields.get("last-delivered-id")));
        }
        groups.sort(null);
        return groups;
    }

    private static Object await(CompletableFuture<Object> reply) {
        try {
            return reply.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("reading keys failed: " + e.getMessage(), e);
        }
    }

    private static byte[][] argv(String command, Object... args) {
        byte[][] argv = new byte[args.length + 1][];
        argv[0] = command.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < args.length; i++) {
            argv[i + 1] = args[i] instanceof byte[] b ? b : String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    /** A reply as ISO-8859-1 text: lossless for binary values. */
    private static String text(Object reply) {
        return reply instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(reply);
    }

    private static String printable(String name) {
        return name.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? name
                : name.chars().mapToObj(c -> c >= 0x20 && c < 0x7f ? Character.toString(c) : String.format("\\x%02x", c))
                        .reduce("", String::concat);
    }

    @Override
    public void close() {
        source.close();
        target.close();
        connector.close();
    }
}

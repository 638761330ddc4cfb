package dev.redismigrate.common.value;

import static dev.redismigrate.common.value.Replies.argv;
import static dev.redismigrate.common.value.Replies.bytes;
import static dev.redismigrate.common.value.Replies.text;

import dev.redismigrate.common.redis.RedisLink;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A value's digest computed here when the servers refuse {@code DEBUG DIGEST-VALUE}: its contents
 * read type by type (GET, LRANGE, SMEMBERS, HGETALL, ZRANGE WITHSCORES, XRANGE and XINFO GROUPS) and
 * hashed (SHA-256) in a canonical order, so that equal values encoded differently (intset or
 * hashtable, listpack or skiplist...) hash the same; scores are hashed as the doubles they are, not
 * as the text a server prints, so the hash agrees across server families. Types Redis does not know (modules) are
 * hashed from their DUMP payload without its trailer (RDB version and CRC), which is exact only
 * when both sides encode the value alike.
 */
public final class ValueHash {
    private static final Comparator<byte[]> UNSIGNED = Arrays::compareUnsigned;
    /** TYPE's answer for a key that does not exist */
    private static final String NONE = "none";
    /** keys whose values are read together: bounds memory for big collections */
    private static final int READS_IN_FLIGHT = 50;

    private ValueHash() {
    }

    /** One digest per key of {@code types} (null for keys that do not exist). */
    public static List<String> readAll(RedisLink link, List<byte[]> keys, List<String> types, Awaiter replies) {
        List<String> out = new ArrayList<>(keys.size());
        for (int from = 0; from < keys.size(); from += READS_IN_FLIGHT) {
            int to = Math.min(keys.size(), from + READS_IN_FLIGHT);
            List<List<CompletableFuture<Object>>> sent = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                sent.add(send(link, keys.get(i), types.get(i)));
            }
            for (int i = from; i < to; i++) {
                List<Object> values = new ArrayList<>();
                for (CompletableFuture<Object> r : sent.get(i - from)) {
                    values.add(replies.awaitOrError(r, "reading a value"));
                }
                out.add(NONE.equals(types.get(i)) ? null : digest(types.get(i), values));
            }
        }
        return out;
    }

    /** How the caller waits for a reply: the reply, or a {@link ReplyError} for an error reply. */
    public interface Awaiter {
        Object awaitOrError(CompletableFuture<Object> reply, String what);
    }

    private static List<CompletableFuture<Object>> send(RedisLink link, byte[] key, String type) {
        return switch (type) {
            case NONE -> List.of();
            case "string" -> List.of(link.send(argv("GET", key)));
            case "list" -> List.of(link.send(argv("LRANGE", key, "0", "-1")));
            case "set" -> List.of(link.send(argv("SMEMBERS", key)));
            case "hash" -> List.of(link.send(argv("HGETALL", key)));
            case "zset" -> List.of(link.send(argv("ZRANGE", key, "0", "-1", "WITHSCORES")));
            case "stream" -> List.of(link.send(argv("XRANGE", key, "-", "+")), link.send(argv("XINFO", "GROUPS", key)));
            default -> List.of(link.send(argv("DUMP", key)));
        };
    }

    /** The digest of one value from its replies; an error reply (the key changed meanwhile) digests as such. */
    static String digest(String type, List<Object> replies) {
        Hasher h = new Hasher();
        h.add(type.getBytes(StandardCharsets.UTF_8));
        for (Object r : replies) {
            if (r instanceof ReplyError e) {
                h.add(("error: " + e.message()).getBytes(StandardCharsets.UTF_8));
                return h.hex();
            }
        }
        switch (type) {
            case "set" -> h.addAll(sorted(elements(replies.get(0))));
            case "hash" -> {
                List<byte[]> flat = elements(replies.get(0));
                List<byte[][]> pairs = new ArrayList<>();
                for (int i = 0; i + 1 < flat.size(); i += 2) {
                    pairs.add(new byte[][] {flat.get(i), flat.get(i + 1)});
                }
                pairs.sort((a, b) -> UNSIGNED.compare(a[0], b[0]));
                for (byte[][] p : pairs) {
                    h.add(p[0]);
                    h.add(p[1]);
                }
            }
            case "stream" -> {
                h.tree(replies.get(0));
                h.addAll(groups(replies.get(1)));
            }
            case "zset" -> zset(h, replies.get(0));
            case "string", "list" -> h.tree(replies.get(0));
            default -> { // a DUMP payload: value, then 2 bytes of RDB version and 8 of CRC64
                byte[] dump = replies.get(0) == null ? null : bytes(replies.get(0));
                h.add(dump == null || dump.length < 10 ? dump : Arrays.copyOf(dump, dump.length - 10));
            }
        }
        return h.hex();
    }

    /**
     * Members with their scores as numbers: servers print a double differently (Redis 7.0 with
     * %.17g, {@code 0.10000000000000001}; Valkey 8 and Redis 7.2+ in the shortest form, {@code 0.1}),
     * but both texts parse back to the same double, the one stored. Scores differing in any bit differ.
     */
    private static void zset(Hasher h, Object withScores) {
        List<byte[]> flat = elements(withScores);
        h.add(ByteBuffer.allocate(8).putLong(flat.size() / 2).array());
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            h.add(flat.get(i));
            h.add(score(flat.get(i + 1)));
        }
    }

    /** A score's 8 bytes (IEEE 754), or its text marked as such if it is no number (never seen). */
    static byte[] score(byte[] text) {
        String s = new String(text, StandardCharsets.US_ASCII).trim();
        double d;
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity" -> d = Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> d = Double.NEGATIVE_INFINITY;
            default -> {
                try {
                    d = Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    return ("unparsed score: " + s).getBytes(StandardCharsets.UTF_8);
                }
            }
        }
        return ByteBuffer.allocate(8).putLong(Double.doubleToLongBits(d)).array();
    }

    /** The consumer groups of a stream (XINFO GROUPS) as a digest, for streams compared by DIGEST-VALUE. */
    public static String groupsDigest(Object xinfoGroups) {
        Hasher h = new Hasher();
        if (xinfoGroups instanceof ReplyError e) {
            h.add(("error: " + e.message()).getBytes(StandardCharsets.UTF_8));
        } else {
            h.addAll(groups(xinfoGroups));
        }
        return h.hex();
    }

    /** Per group: name, last delivered id, consumers and pending count; not figures that depend on how it was built. */
    private static List<byte[]> groups(Object xinfoGroups) {
        List<byte[]> out = new ArrayList<>();
        if (!(xinfoGroups instanceof List<?> groups)) {
            return out;
        }
        for (Object g : groups) {
            if (g instanceof List<?> fields) {
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    String name = text(fields.get(i));
                    if (name.equals("name") || name.equals("last-delivered-id") || name.equals("consumers")
                            || name.equals("pending")) {
                        out.add(bytes(fields.get(i)));
                        out.add(bytes(fields.get(i + 1)));
                    }
                }
            }
        }
        return out;
    }

    private static List<byte[]> elements(Object reply) {
        List<byte[]> out = new ArrayList<>();
        if (reply instanceof List<?> list) {
            for (Object o : list) {
                out.add(o == null ? null : bytes(o));
            }
        }
        return out;
    }

    private static List<byte[]> sorted(List<byte[]> items) {
        List<byte[]> copy = new ArrayList<>(items);
        copy.sort(UNSIGNED);
        return copy;
    }

    /** SHA-256 over length-prefixed items, so that ["ab","c"] and ["a","bc"] differ. */
    private static final class Hasher {
        private final MessageDigest sha;

        Hasher() {
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void add(byte[] item) {
            if (item == null) {
                sha.update(ByteBuffer.allocate(8).putLong(-1).array());
                return;
            }
            sha.update(ByteBuffer.allocate(8).putLong(item.length).array());
            sha.update(item);
        }

        void addAll(List<byte[]> items) {
            sha.update(ByteBuffer.allocate(8).putLong(items.size()).array());
            items.forEach(this::add);
        }

        /** Nested replies (XRANGE) keep their shape. */
        void tree(Object reply) {
            if (reply instanceof List<?> list) {
                sha.update((byte) '*');
                sha.update(ByteBuffer.allocate(8).putLong(list.size()).array());
                list.forEach(this::tree);
            } else {
                add(reply == null ? null : bytes(reply));
            }
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}

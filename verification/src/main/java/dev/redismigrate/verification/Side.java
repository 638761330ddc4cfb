package dev.redismigrate.verification;

import static dev.redismigrate.common.value.Replies.argv;
import static dev.redismigrate.common.value.Replies.ascii;
import static dev.redismigrate.common.value.Replies.bytes;
import static dev.redismigrate.common.value.Replies.text;

import dev.redismigrate.common.redis.Keyspace;
import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.value.ReplyError;
import dev.redismigrate.common.value.ValueHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One server of a verification (source or target) over one connection: pipelined reads of key
 * batches in the selected db. Values are compared by {@code DEBUG DIGEST-VALUE} when allowed
 * (encoding-independent, computed by Redis), otherwise by a hash of their contents read type by type.
 * Even with DIGEST-VALUE, the types whose digests the two servers compute differently for equal
 * values (sorted sets across server families) are hashed by content, and a stream's digest gets its
 * consumer groups added (DIGEST-VALUE covers only its entries). A cluster target is a {@link ClusterSide}.
 */
class Side {
    /** DIGEST-VALUE mixes SHA1("!!expire!!") into the digest of a key with an expiry; TTLs are compared apart */
    private static final byte[] EXPIRE_MIX = sha1("!!expire!!".getBytes(StandardCharsets.US_ASCII));

    final String name;
    private final RedisLink link;
    private final long timeoutMs;
    private boolean digestValue;
    private Set<String> byContent = Set.of();

    Side(String name, RedisLink link, long timeoutMs) {
        this.name = name;
        this.link = link;
        this.timeoutMs = timeoutMs;
    }

    String address() {
        return link.endpoint().address();
    }

    /** Whether DEBUG DIGEST-VALUE may be used here (it is off by default since Redis 7, and on managed services). */
    boolean allowsDigestValue() {
        try {
            link.call("DEBUG", "DIGEST-VALUE");
            return true;
        } catch (RedisAccessException refused) {
            return false;
        }
    }

    /** @param byContent types hashed by content even so (their digests differ between the two servers) */
    void useDigestValue(boolean use, Set<String> byContent) {
        digestValue = use;
        this.byContent = Set.copyOf(byContent);
    }

    /** Family, version and cluster mode, from INFO server and INFO cluster. */
    ServerInfo server() {
        return ServerInfo.of(link.info("server"), link.info("cluster"));
    }

    Map<Integer, Long> keysPerDb() {
        return Keyspace.keysPerDb(link.info("keyspace"));
    }

    void select(int db) {
        link.call("SELECT", Integer.toString(db));
    }

    record Page(String cursor, List<byte[]> keys) {
    }

    Page scan(String cursor, int count) {
        List<?> reply = (List<?>) await(link.send(argv("SCAN", cursor, "COUNT", Integer.toString(count))), "SCAN");
        List<byte[]> keys = new ArrayList<>();
        for (Object k : (List<?>) reply.get(1)) {
            keys.add(bytes(k));
        }
        return new Page(text(reply.get(0)), keys);
    }

    /** RANDOMKEY {@code n} times, pipelined; an empty db gives nothing. */
    List<byte[]> randomKeys(int n) {
        List<CompletableFuture<Object>> replies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            replies.add(link.send(argv("RANDOMKEY")));
        }
        List<byte[]> keys = new ArrayList<>(n);
        for (CompletableFuture<Object> r : replies) {
            Object key = await(r, "RANDOMKEY");
            if (key != null) {
                keys.add(bytes(key));
            }
        }
        return keys;
    }

    /** EXISTS of each key, pipelined: 1 or 0 each. */
    List<Object> exist(List<byte[]> keys) {
        List<CompletableFuture<Object>> replies = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            replies.add(link.send(new byte[][] {ascii("EXISTS"), key}));
        }
        List<Object> out = new ArrayList<>(keys.size());
        for (CompletableFuture<Object> r : replies) {
            out.add(await(r, "EXISTS"));
        }
        return out;
    }

    /** TYPE, PTTL and the value digest of each key, pipelined. */
    List<KeyState> read(List<byte[]> keys) {
        List<CompletableFuture<Object>> types = new ArrayList<>(keys.size());
        List<CompletableFuture<Object>> ttls = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            types.add(link.send(new byte[][] {ascii("TYPE"), key}));
            ttls.add(link.send(new byte[][] {ascii("PTTL"), key}));
        }
        CompletableFuture<Object> digests = null;
        if (digestValue) {
            byte[][] argv = new byte[keys.size() + 2][];
            argv[0] = ascii("DEBUG");
            argv[1] = ascii("DIGEST-VALUE");
            for (int i = 0; i < keys.size(); i++) {
                argv[i + 2] = keys.get(i);
            }
            digests = link.send(argv);
        }
        List<String> typeNames = new ArrayList<>(keys.size());
        List<Long> pttls = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            typeNames.add(text(await(types.get(i), "TYPE")));
            pttls.add(((Number) await(ttls.get(i), "PTTL")).longValue());
        }
        List<String> values = digestValue ? digestValues((List<?>) await(digests, "DEBUG DIGEST-VALUE"), pttls)
                : ValueHash.readAll(link, keys, typeNames, this::awaitOrError);
        if (digestValue) {
            completeDigests(keys, typeNames, values);
        }
        List<KeyState> states = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            String type = typeNames.get(i);
            boolean exists = !KeyState.NONE.equals(type);
            states.add(new KeyState(type, pttls.get(i), exists ? values.get(i) : null));
        }
        return states;
    }

    /**
     * Replaces the digests of the types read by content with their content hash, and adds a stream's
     * consumer groups to its digest. A key retyped since TYPE gets the error's digest (it differs).
     */
    private void completeDigests(List<byte[]> keys, List<String> types, List<String> values) {
        List<Integer> apart = new ArrayList<>();
        List<Integer> streams = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            if (byContent.contains(types.get(i))) {
                apart.add(i);
            } else if ("stream".equals(types.get(i))) {
                streams.add(i);
            }
        }
        List<CompletableFuture<Object>> groups = new ArrayList<>(streams.size());
        for (int i : streams) {
            groups.add(link.send(new byte[][] {ascii("XINFO"), ascii("GROUPS"), keys.get(i)}));
        }
        if (!apart.isEmpty()) {
            List<String> hashed = ValueHash.readAll(link, apart.stream().map(keys::get).toList(),
                    apart.stream().map(types::get).toList(), this::awaitOrError);
            for (int j = 0; j < apart.size(); j++) {
                values.set(apart.get(j), hashed.get(j));
            }
        }
        for (int j = 0; j < streams.size(); j++) {
            int i = streams.get(j);
            values.set(i, values.get(i) + "+" + ValueHash.groupsDigest(awaitOrError(groups.get(j), "XINFO GROUPS")));
        }
    }

    private static List<String> digestValues(List<?> reply, List<Long> pttls) {
        List<String> out = new ArrayList<>(reply.size()); // mutable: completeDigests replaces some
        for (int i = 0; i < reply.size(); i++) {
            byte[] digest = HexFormat.of().parseHex(text(reply.get(i)));
            if (pttls.get(i) >= 0) {
                for (int j = 0; j < digest.length; j++) {
                    digest[j] ^= EXPIRE_MIX[j];
                }
            }
            out.add(HexFormat.of().formatHex(digest));
        }
        return out;
    }

    /** The reply, or a {@link ReplyError} for an error reply (e.g. WRONGTYPE after a concurrent change). */
    Object awaitOrError(CompletableFuture<Object> reply, String what) {
        return await(reply, what, true);
    }

    Object await(CompletableFuture<Object> reply, String what) {
        return await(reply, what, false);
    }

    private Object await(CompletableFuture<Object> reply, String what, boolean errorsAsValues) {
        try {
            return reply.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            String m = cause == null ? null : cause.getMessage();
            if (errorsAsValues && m != null && (m.startsWith("WRONGTYPE") || m.startsWith("ERR") || m.startsWith("NOPERM"))) {
                return new ReplyError(m.split("\\. channel:|, channel:| channel: \\[")[0]);
            }
            throw RedisAccessException.from(what + " on " + address() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException(what + " on " + address() + ": interrupted");
        } catch (TimeoutException e) {
            throw new RedisAccessException(what + " on " + address() + ": no reply within " + timeoutMs + " ms");
        }
    }

    static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.redismigrate.common.pipeline;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads keys of a source's selected db as they are now, DUMP + PTTL for all of them in one round
 * trip, and turns each into the command that recreates it on a target: {@code RESTORE key
 * <absolute expiry> <dump> REPLACE ABSTTL} (or without a TTL), with the expiry absolute so that time
 * spent in the pipeline towards the target does not lengthen it.
 */
public final class DumpReader {
    private static final byte[] DUMP = bytes("DUMP");
    private static final byte[] PTTL = bytes("PTTL");
    private static final byte[] RESTORE = bytes("RESTORE");
    private static final byte[] REPLACE = bytes("REPLACE");
    private static final byte[] ABSTTL = bytes("ABSTTL");
    private static final byte[] NO_TTL = bytes("0");

    private DumpReader() {
    }

    /**
     * @return for each key, in order, its RESTORE command, or null when the key no longer exists
     * @throws RedisAccessException when the source refuses or does not answer
     */
    public static List<byte[][]> read(RedisLink source, List<byte[]> keys, Duration timeout) {
        List<CompletableFuture<Object>> dumps = new ArrayList<>(keys.size());
        List<CompletableFuture<Object>> ttls = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            dumps.add(source.queue(new byte[][] {DUMP, key}));
            ttls.add(source.queue(new byte[][] {PTTL, key}));
        }
        source.sendQueued();
        List<byte[][]> restores = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] dump = (byte[]) await(source, dumps.get(i), timeout);
            long pttl = (Long) await(source, ttls.get(i), timeout);
            long readAt = System.currentTimeMillis();
            // gone (deleted, expired) since the caller learned of it
            restores.add(dump == null || pttl == -2 ? null : restore(keys.get(i), dump, pttl, readAt));
        }
        return restores;
    }

    static byte[][] restore(byte[] key, byte[] dump, long pttl, long readAtMillis) {
        if (pttl < 0) {
            return new byte[][] {RESTORE, key, NO_TTL, dump, REPLACE};
        }
        return new byte[][] {RESTORE, key, bytes(Long.toString(readAtMillis + pttl)), dump, REPLACE, ABSTTL};
    }

    /** A reply of the source, or the reason it did not come as a {@link RedisAccessException}. */
    static Object await(RedisLink source, CompletableFuture<Object> reply, Duration timeout) {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisAccessException("interrupted while reading " + source.endpoint().address());
        } catch (Exception e) {
            throw RedisAccessException.from("reading keys from " + source.endpoint().address() + " failed", e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

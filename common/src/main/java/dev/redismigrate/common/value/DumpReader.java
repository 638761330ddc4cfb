package dev.redismigrate.common.value;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.redis.RespSocket;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads keys of a source's selected db as they are now, DUMP + PTTL for all of them in one round
 * trip, and turns each into its {@link RestoreCommand}.
 */
public final class DumpReader {
    private static final byte[] DUMP = Replies.ascii("DUMP");
    private static final byte[] PTTL = Replies.ascii("PTTL");

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
            dumps.add(source.queue(Replies.argv("DUMP", key)));
            ttls.add(source.queue(Replies.argv("PTTL", key)));
        }
        source.sendQueued();
        List<byte[][]> restores = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            byte[] dump = (byte[]) await(source, dumps.get(i), timeout);
            long pttl = (Long) await(source, ttls.get(i), timeout);
            long readAt = System.currentTimeMillis();
            // gone (deleted, expired) since the caller learned of it
            restores.add(dump == null || pttl == -2 ? null
                    : RestoreCommand.of(keys.get(i), dump, pttl < 0 ? null : readAt + pttl));
        }
        return restores;
    }

    /**
     * The same read over a plain {@link RespSocket}, in two halves so that the caller may send more
     * with it: this writes each key's DUMP and PTTL (not sent yet), {@link #replies} reads them.
     */
    public static void request(RespSocket source, List<byte[]> keys) throws IOException {
        for (byte[] key : keys) {
            source.write(new byte[][] {DUMP, key});
            source.write(new byte[][] {PTTL, key});
        }
    }

    /** The replies to a {@link #request}: for each key, in order, its RESTORE command, or null when it is gone. */
    public static List<byte[][]> replies(RespSocket source, List<byte[]> keys) throws IOException {
        List<byte[][]> restores = new ArrayList<>(keys.size());
        for (byte[] key : keys) {
            Object dump = source.readValue();
            Object pttl = source.readValue();
            long readAt = System.currentTimeMillis();
            refused(source, dump instanceof RespSocket.ErrorReply e ? e : pttl instanceof RespSocket.ErrorReply e ? e : null);
            long ttl = (Long) pttl;
            // gone (deleted, expired) since the caller learned of it
            restores.add(dump == null || ttl == -2 ? null : RestoreCommand.of(key, (byte[]) dump, ttl < 0 ? null : readAt + ttl));
        }
        return restores;
    }

    /**
     * DUMP alone, for keys whose expiry the caller read already (a scan's PTTL that came with its MGET) or
     * knows to be none (a scan of a db without expiring keys):
     * not written here, each PTTL is one more lookup of the key for the source. An expiry changed since
     * is no matter where every change is captured and copied again (the scan method).
     */
    public static void requestDumps(RespSocket source, List<byte[]> keys) throws IOException {
        for (byte[] key : keys) {
            source.write(new byte[][] {DUMP, key});
        }
    }

    /**
     * The replies to a {@link #requestDumps}: for each key, in order, its RESTORE command with the given
     * expiry (epoch ms, null: none), or null when it is gone.
     */
    public static List<byte[][]> dumpReplies(RespSocket source, List<byte[]> keys, List<Long> expireAt) throws IOException {
        List<byte[][]> restores = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            Object dump = source.readValue();
            refused(source, dump instanceof RespSocket.ErrorReply e ? e : null);
            restores.add(dump == null ? null : RestoreCommand.of(keys.get(i), (byte[]) dump, expireAt.get(i)));
        }
        return restores;
    }

    private static void refused(RespSocket source, RespSocket.ErrorReply refusal) {
        if (refusal != null) {
            boolean redirected = refusal.message().startsWith("MOVED ") || refusal.message().startsWith("ASK ");
            throw new RedisAccessException("reading keys from " + source.endpoint().address() + " failed: " + refusal.message()
                    + (redirected ? " (the slot is served elsewhere: a slot migration or a failover on the cluster)" : ""));
        }
    }

    static Object await(RedisLink source, CompletableFuture<Object> reply, Duration timeout) {
        return Replies.await(source, reply, timeout, "reading keys from");
    }
}

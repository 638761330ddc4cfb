package dev.redismigrate.common.value;

import dev.redismigrate.common.redis.RedisAccessException;
import dev.redismigrate.common.redis.RedisLink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads keys of a source's selected db as they are now, DUMP + PTTL for all of them in one round
 * trip, and turns each into its {@link RestoreCommand}.
 */
public final class DumpReader {
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

    static Object await(RedisLink source, CompletableFuture<Object> reply, Duration timeout) {
        return Replies.await(source, reply, timeout, "reading keys from");
    }
}

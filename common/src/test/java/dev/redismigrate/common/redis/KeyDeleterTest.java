package dev.redismigrate.common.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisCluster;
import dev.redismigrate.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Deleting the keys of some slots: a server without {@code CLUSTER GETKEYSINSLOT} (a standalone one) is
 * scanned instead; a slot that something else keeps filling ends in an error, not a loop without end.
 */
class KeyDeleterTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aServerWithoutClusterSupportIsScannedForTheSlotsKeys() {
        try (RedisServer server = RedisServer.start(); RedisConnector connector = connector(); RedisLink link = open(connector, server)) {
            BitSet firstHalf = SlotRange.parse("0-8191");
            int inFirst = 0;
            for (int i = 0; i < 500; i++) {
                link.call("SET", "k" + i, "v");
                inFirst += firstHalf.get(HashSlot.of("k" + i)) ? 1 : 0;
            }
            long deleted = KeyDeleter.bySlots(deleting(link, null), firstHalf, key -> firstHalf.get(HashSlot.of(key)));
            assertEquals(inFirst, deleted);
            assertEquals(500L - inFirst, (Long) link.call("DBSIZE"));
        }
    }

    @Test
    void aSlotFilledAgainAsFastAsItIsEmptiedEndsInAnError() {
        try (RedisCluster cluster = RedisCluster.start(RedisServer.Family.REDIS, 1, 0); RedisConnector connector = connector();
             RedisLink link = open(connector, cluster.master(0))) {
            StringBuilder keys = new StringBuilder();
            for (int i = 0; i < 2_000; i++) {
                keys.append("SET {t}k").append(i).append(" v\n");
            }
            cluster.master(0).cliPipe(keys.toString());
            int slot = HashSlot.of("{t}");
            BitSet one = new BitSet();
            one.set(slot);
            // another writer: every key deleted comes back under a new name
            int[] written = {0};
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeyDeleter.bySlots(deleting(link, deleted -> {
                for (byte[] ignored : deleted) {
                    link.call("SET", "{t}again" + written[0]++, "v");
                }
            }), one, key -> true));
            assertTrue(e.getMessage().contains("slot " + slot + " still gives full pages"), e.getMessage());
        }
    }

    private static RedisConnector connector() {
        return new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
    }

    private static RedisLink open(RedisConnector connector, RedisServer server) {
        return connector.open(new RedisEndpoint(server.host(), server.port(), null, null, false), "test");
    }

    /** The link as a server whose pages are deleted by DEL, then handed to {@code after} (may be null). */
    private static KeyDeleter.Server deleting(RedisLink link, java.util.function.Consumer<List<byte[]>> after) {
        return new KeyDeleter.Server() {
            @Override
            public List<Object> call(List<byte[][]> commands) {
                List<CompletableFuture<Object>> replies = new ArrayList<>();
                commands.forEach(command -> replies.add(link.queue(command)));
                link.sendQueued();
                List<Object> answers = new ArrayList<>();
                for (CompletableFuture<Object> reply : replies) {
                    try {
                        answers.add(reply.get(10, TimeUnit.SECONDS));
                    } catch (Exception e) {
                        throw new RedisAccessException(String.valueOf(e.getCause() == null ? e : e.getCause().getMessage()));
                    }
                }
                return answers;
            }

            @Override
            public void delete(List<byte[]> keys) {
                call(keys.stream().map(key -> new byte[][] {"DEL".getBytes(StandardCharsets.US_ASCII), key}).toList());
                if (after != null) {
                    after.accept(keys);
                }
            }
        };
    }
}

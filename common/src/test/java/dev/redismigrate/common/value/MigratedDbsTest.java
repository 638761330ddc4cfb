package dev.redismigrate.common.value;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.redismigrate.common.cluster.HashSlot;
import dev.redismigrate.common.cluster.SlotRange;
import dev.redismigrate.common.contract.ShardNames;
import dev.redismigrate.common.selection.MigratedKeys;
import dev.redismigrate.common.redis.RedisConnector;
import dev.redismigrate.common.redis.RedisEndpoint;
import dev.redismigrate.common.redis.RedisLink;
import dev.redismigrate.common.secret.SecretCipher;
import dev.redismigrate.testing.RedisServer;
import java.time.Duration;
import java.util.BitSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A new copy of one source shard empties only that shard's slots on the target: the other shards'
 * keys and checkpoints stay, its own checkpoint goes.
 */
class MigratedDbsTest {
    private static final SecretCipher CIPHER = new SecretCipher("ZGVtby1vbmx5LWtleS1jaGFuZ2UtbWUtMzJieXRlcyE=");

    @Test
    void aShardsNewCopyEmptiesItsSlotsOnly() {
        UUID id = UUID.randomUUID();
        try (RedisServer target = RedisServer.start();
             RedisConnector connector = new RedisConnector(CIPHER, Duration.ofSeconds(5), Duration.ofSeconds(10), 1);
             RedisLink link = connector.open(new RedisEndpoint(target.host(), target.port(), null, null, false), "test")) {
            BitSet firstHalf = SlotRange.parse("0-8191");
            int inFirst = 0;
            for (int i = 0; i < 500; i++) {
                link.call("SET", "k" + i, "v");
                inFirst += firstHalf.get(HashSlot.of("k" + i)) ? 1 : 0;
            }
            for (int shard = 0; shard < 2; shard++) {
                link.call("SET", ShardNames.checkpointKey(id, shard), "1 r 1 0");
            }
            link.call("SELECT", 2);
            link.call("SET", "in-db2", "v"); // slot 2385 (first half), in an ignored db
            link.call("SELECT", 0);

            MigratedDbs.emptySlots(link, new MigratedKeys(Set.of(2), null), firstHalf, id, 0, Duration.ofSeconds(10));

            assertEquals(500 - inFirst + 1, (Long) link.call("DBSIZE"), "the other half's keys and shard 1's checkpoint");
            assertEquals(0L, link.call("EXISTS", ShardNames.checkpointKey(id, 0)));
            assertEquals(1L, link.call("EXISTS", ShardNames.checkpointKey(id, 1)));
            link.call("SELECT", 2);
            assertEquals(1L, link.call("EXISTS", "in-db2"));
        }
    }

    @Test
    void slotRangesAreReadAsWritten() {
        BitSet slots = SlotRange.parse("0-2,7,16383");
        assertEquals(5, slots.cardinality());
        assertEquals(SlotRange.of(slots).stream().map(SlotRange::toString).toList(), java.util.List.of("0-2", "7", "16383"));
    }
}

package dev.redismigrate.api.outbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** A cluster source's shards go to distinct partitions; every other key where Kafka's default puts it. */
class ShardPartitionerTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theShardsOfAMigrationTakeDistinctPartitions() {
        for (int i = 0; i < 100; i++) {
            UUID id = UUID.randomUUID();
            Set<Integer> used = new HashSet<>();
            for (int shard = 0; shard < 4; shard++) {
                used.add(ShardPartitioner.partition(bytes(id + ":" + shard), 4));
            }
            assertEquals(4, used.size(), "migration " + id);
        }
    }

    @Test
    void otherKeysArePlacedAsKafkasDefaultPlacesThem() {
        for (String key : new String[] {UUID.randomUUID().toString(), UUID.randomUUID() + "/1", "x:1", "verify"}) {
            assertEquals(Utils.toPositive(Utils.murmur2(bytes(key))) % 4, ShardPartitioner.partition(bytes(key), 4), key);
        }
    }
}

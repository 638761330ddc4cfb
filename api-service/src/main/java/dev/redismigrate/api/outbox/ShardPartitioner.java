package dev.redismigrate.api.outbox;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.utils.Utils;

/**
 * Puts the requests of a cluster source's shards (key "migration:shard") on consecutive partitions
 * from the migration's own, so that shards of one migration never share a partition while there
 * are partitions enough, and the workers' consumer group spreads them over its instances as evenly
 * as it spreads partitions. Hashing each key on its own (Kafka's default) put 3 shards on at most 2
 * of 4 partitions in more than half of all migrations, leaving an instance idle. Every other key is
 * placed as Kafka's default partitioner places it (murmur2 of the key), so a key keeps its partition.
 */
public class ShardPartitioner implements Partitioner {

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
        int partitions = cluster.partitionsForTopic(topic).size();
        return partition(keyBytes, partitions);
    }

    /** The partition of a key among {@code partitions} (every command has a key; none: partition 0). */
    static int partition(byte[] keyBytes, int partitions) {
        if (keyBytes == null || partitions <= 0) {
            return 0;
        }
        String key = new String(keyBytes, StandardCharsets.UTF_8);
        int colon = key.lastIndexOf(':');
        if (colon == 36 && colon < key.length() - 1 && key.substring(colon + 1).chars().allMatch(Character::isDigit)
                && key.length() - colon - 1 <= 6) {
            int shard = Integer.parseInt(key.substring(colon + 1));
            int base = Utils.toPositive(Utils.murmur2(key.substring(0, colon).getBytes(StandardCharsets.UTF_8))) % partitions;
            return (base + shard) % partitions;
        }
        return Utils.toPositive(Utils.murmur2(keyBytes)) % partitions;
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}

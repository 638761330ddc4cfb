package dev.redismigrate.worker.kafka;

import dev.redismigrate.common.contract.ChangedKey;
import dev.redismigrate.common.contract.MessageCodec;
import dev.redismigrate.common.contract.ShardNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Scan method: the durable buffer of a migration's changed keys between the source's keyspace
 * notifications and their copy into the target. Capture writes here at the pace of the source (a
 * subscriber that waited for the target would be dropped by the source's output-buffer limit); the
 * copy reads here at its own pace. The scan's end is a record in the same partition, so the copy
 * knows which changes came after it. A cluster source's shard has its own view ({@link #forShard}): its
 * records carry the shard in their key, so each shard's copy reads its own changes and its own scan's end.
 */
public final class ChangedKeysLog implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChangedKeysLog.class);

    private static final int PARTITIONS = 8;

    private final String bootstrap;
    private final String topic;
    private final KafkaProducer<String, String> producer;
    /** the source shard this view writes and reads (null: a standalone source, or the whole log) */
    private final Integer shard;

    private ChangedKeysLog(String bootstrap, String topic, KafkaProducer<String, String> producer, Integer shard) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.producer = producer;
        this.shard = shard;
    }

    /** The log of a cluster source's {@code shard} (the same topic and producer; never closed by itself), or this log for null. */
    public ChangedKeysLog forShard(Integer shard) {
        return shard == null ? this : new ChangedKeysLog(bootstrap, topic, producer, shard);
    }

    public ChangedKeysLog(String bootstrap, String topic) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.shard = null;
        MigrationTopics.ensure(bootstrap, topic, PARTITIONS, Map.of());
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "5");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
    }

    /** Sends without waiting; {@code onFailure} hears of a record Kafka did not take (a change lost). */
    public void append(ChangedKey change, Consumer<Exception> onFailure) {
        producer.send(record(change), (metadata, e) -> {
            if (e != null) {
                onFailure.accept(e);
            }
        });
    }

    /** Writes and waits until Kafka has it. */
    public void appendAndWait(ChangedKey change) {
        try {
            producer.send(record(change)).get(MigrationTopics.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing to " + topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not take a record of migration " + change.migrationId() + " on "
                    + topic + ": " + (e.getCause() == null ? e : e.getCause()).getMessage());
        }
    }

    private ProducerRecord<String, String> record(ChangedKey change) {
        return new ProducerRecord<>(topic, MigrationTopics.partitionOf(change.migrationId(), PARTITIONS),
                ShardNames.recordKey(change.migrationId(), shard), MessageCodec.encode(change));
    }

    /**
     * A reader of the migration's records from the current end of its partition on: whatever is
     * appended after this returns will be read.
     */
    public Reader readFromNow(UUID migrationId) {
        return new Reader(migrationId);
    }

    /** A change and when it was appended. */
    public record Timed(ChangedKey change, long appendedAtMillis) {
    }

    public final class Reader implements AutoCloseable {
        private final UUID migrationId;
        /** the records of this migration (and shard): the partition holds other migrations' and shards' too */
        private final String recordKey;
        private final KafkaConsumer<String, String> consumer;
        private final TopicPartition partition;

        private Reader(UUID migrationId) {
            this.migrationId = migrationId;
            this.recordKey = ShardNames.recordKey(migrationId, shard);
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("enable.auto.commit", "false");
            p.put("max.poll.records", "5000");
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", StringDeserializer.class.getName());
            consumer = new KafkaConsumer<>(p);
            partition = new TopicPartition(topic, MigrationTopics.partitionOf(migrationId, PARTITIONS));
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition, MigrationTopics.TIMEOUT); // resolves "the end" now, not at the first poll
        }

        /** The next records of this migration (the partition holds others' too), possibly none. */
        public List<Timed> poll(Duration wait) {
            List<Timed> changes = new ArrayList<>();
            for (ConsumerRecord<String, String> r : consumer.poll(wait)) {
                if (recordKey.equals(r.key())) {
                    try {
                        changes.add(new Timed(MessageCodec.decode(r.value(), ChangedKey.class), r.timestamp()));
                    } catch (MessageCodec.UnreadableMessageException e) {
                        // only this service writes the log: a record it cannot read is corruption, said loudly
                        LOG.errorf("migration %s: unreadable changed-key record at offset %d skipped (%s)", migrationId,
                                r.offset(), e.getMessage());
                    }
                }
            }
            return changes;
        }

        /**
         * Records in the partition not read yet, as of the last poll (no round trip): the partition holds
         * other migrations' too, so an upper bound of this one's unread changes, 0 once caught up.
         */
        public long unread() {
            return consumer.currentLag(partition).orElse(0);
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Sends what is buffered (capture stops) and waits for Kafka's answers. */
    public void flush() {
        producer.flush();
    }

    /** Closes the producer; a shard's view leaves it to the whole log's owner. */
    @Override
    public void close() {
        if (shard == null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
